import { WebSocket } from 'ws';
import { decodeSpatialWalkMessage, spatialwalkProto } from '../../../providers/src/spatialwalk';
import { SpatialWalkFake, spatialWalkFakeFrameIndex } from './spatialwalk-fake';

const { Message, MessageType } = spatialwalkProto;
const encode = (properties: spatialwalkProto.Message.$Shape) => Message.encode(Message.create(properties)).finish();
const configure = (sampleRate = 16000) => encode({ type: MessageType.MESSAGE_CLIENT_CONFIGURE_SESSION, clientConfigureSession: { sampleRate } });
const audio = (reqId: string, bytes: number, end: boolean) => encode({ type: MessageType.MESSAGE_CLIENT_AUDIO_INPUT, clientAudioInput: { reqId, audio: Buffer.alloc(bytes), end } });

/** A raw client: opens a socket and collects what the fake answers, decoded. */
async function client(url: string, headers: Record<string, string> = {}) {
  const socket = new WebSocket(url, { headers });
  const answers: Array<ReturnType<typeof decodeSpatialWalkMessage>> = [];
  const raw: Buffer[] = [];
  socket.on('message', (data: Buffer) => (raw.push(data), answers.push(decodeSpatialWalkMessage(data))));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  return { socket, answers, raw };
}
const until = async (check: () => boolean) => {
  const end = Date.now() + 3000;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('SpatialWalkFake', () => {
  let fake: SpatialWalkFake;
  beforeEach(async () => {
    fake = await new SpatialWalkFake({ playbackSpeed: 50 }).start();
  });
  afterEach(() => fake.stop());

  const token = async (apiKey = fake.apiKey, expireAt = Math.floor(Date.now() / 1000) + 60) => {
    const res = await fetch(`${fake.consoleUrl}/session-tokens`, { method: 'POST', headers: { 'x-api-key': apiKey, 'content-type': 'application/json' }, body: JSON.stringify({ expireAt }) });
    return { status: res.status, body: (await res.json()) as { sessionToken?: string; errors?: unknown[] } };
  };
  const socketUrl = (query: string) => `${fake.ingressUrl.replace('http', 'ws')}/websocket?${query}`;

  it('issues session tokens for its API key and a future expiry only', async () => {
    expect((await token()).body.sessionToken).toBe('st-1');
    expect(await token('wrong')).toMatchObject({ status: 401, body: { errors: [expect.objectContaining({ status: 401 })] } });
    expect(await token(fake.apiKey, 1)).toMatchObject({ status: 400 });
  });

  it('confirms a configured session for an issued key, by headers or query, and counts it open until closed', async () => {
    const { body } = await token();
    const byHeaders = await client(socketUrl('id=avatar-1'), { 'X-App-ID': fake.appId, 'X-Session-Key': body.sessionToken! });
    byHeaders.socket.send(configure());
    await until(() => byHeaders.answers.length === 1);
    expect(byHeaders.answers[0].serverConfirmSession?.connectionId).toBe('conn-1');
    const byQuery = await client(socketUrl(`id=avatar-1&appId=${fake.appId}&sessionKey=${body.sessionToken}`));
    byQuery.socket.send(configure());
    await until(() => fake.openSessions === 2);
    expect(fake.socketAuth.map((a) => a.via)).toEqual(['headers', 'query']);
    byHeaders.socket.close();
    await until(() => fake.openSessions === 1);
  });

  it.each([
    ['an unissued key', 'id=avatar-1&appId=sw-app-id&sessionKey=st-forged', 16],
    ['another app id', 'id=avatar-1&appId=other&sessionKey=st-1', 16],
    ['an unknown avatar', 'id=avatar-x&appId=sw-app-id&sessionKey=st-1', 5],
  ])('refuses %s with a server error to configure-session, then closes', async (_name, query, code) => {
    await token();
    const { socket, answers } = await client(socketUrl(query));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.send(configure());
    await Promise.race([closed, new Promise((_, reject) => setTimeout(() => reject(new Error('the fake did not close')), 2000))]);
    expect(answers.map((a) => [a.type, a.serverError?.code])).toEqual([[MessageType.MESSAGE_SERVER_ERROR, code]]);
    expect(fake.openSessions).toBe(0);
  });

  it('streams one animation per 40 ms of audio, the last with end, and records what it got', async () => {
    const { body } = await token();
    const { socket, answers, raw } = await client(socketUrl('id=avatar-1'), { 'X-App-ID': fake.appId, 'X-Session-Key': body.sessionToken! });
    socket.send(configure());
    socket.send(audio('r1', 3200, false)); // 100 ms at 16 kHz
    socket.send(audio('r1', 3200, true));
    await until(() => answers.some((a) => a.serverResponseAnimation?.end));
    const animations = answers.filter((a) => a.type === MessageType.MESSAGE_SERVER_RESPONSE_ANIMATION);
    expect(animations.map((a) => [a.serverResponseAnimation?.reqId, !!a.serverResponseAnimation?.end])).toEqual([
      ...Array(4).fill(['r1', false]),
      ['r1', true],
    ]);
    expect(raw.slice(1).map((r) => spatialWalkFakeFrameIndex(r))).toEqual([0, 1, 2, 3, 4]);
    expect(fake.messages('MESSAGE_CLIENT_AUDIO_INPUT').map((m) => [m.reqId, m.end, m.audioBytes])).toEqual([
      ['r1', false, 3200],
      ['r1', true, 3200],
    ]);
    expect(fake.messages('MESSAGE_CLIENT_CONFIGURE_SESSION')[0].configure?.sampleRate).toBe(16000);
  });

  it('stops a request on interrupt', async () => {
    fake.playbackSpeed = 5;
    const { body } = await token();
    const { socket, answers } = await client(socketUrl('id=avatar-1'), { 'X-App-ID': fake.appId, 'X-Session-Key': body.sessionToken! });
    socket.send(configure());
    socket.send(audio('r1', 32000, true)); // 1 s: 25 animations over 200 ms
    await until(() => answers.length >= 2);
    socket.send(encode({ type: MessageType.MESSAGE_CLIENT_INTERRUPT, clientInterrupt: { reqId: 'r1' } }));
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(fake.animationsSent('r1')).toBeLessThan(25);
    expect(answers.some((a) => a.serverResponseAnimation?.end)).toBe(false);
  });
});
