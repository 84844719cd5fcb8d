import { ProviderError } from '../provider-error';
import { LIVEAVATAR_FAKE_API_KEY, LIVEAVATAR_FAKE_AVATAR_ID, LiveAvatarFake, LiveAvatarFakeOptions } from '../../../testing/src/fakes/liveavatar-fake';
import { LiveAvatarApi } from './liveavatar-api';
import { LiveAvatarSocket, LiveAvatarSocketOptions } from './liveavatar-socket';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await wait(5);
  }
}

describe('LiveAvatarSocket', () => {
  let fake: LiveAvatarFake;
  let wsUrl: string;
  const sockets: LiveAvatarSocket[] = [];

  async function setUp(options: LiveAvatarFakeOptions = {}): Promise<void> {
    fake = await new LiveAvatarFake(options).start();
    const api = new LiveAvatarApi({ apiUrl: fake.url, rule: { attempts: 1, delayMs: 0, timeoutMs: 1000 } });
    const token = await api.createSessionToken(LIVEAVATAR_FAKE_API_KEY, { mode: 'CUSTOM', avatar_id: LIVEAVATAR_FAKE_AVATAR_ID });
    wsUrl = (await api.startSession(token.session_id, token.session_token)).ws_url;
  }

  async function open(options: Partial<LiveAvatarSocketOptions> = {}): Promise<LiveAvatarSocket> {
    const socket = await LiveAvatarSocket.open({ url: wsUrl, connectTimeoutMs: 1000, keepAliveIntervalMs: 60_000, ...options });
    sockets.push(socket);
    return socket;
  }

  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((s) => s.close()));
    await fake.stop();
  });

  it('opens only once the vendor says connected, and sends each event with a fresh event_id', async () => {
    await setUp({ connectedDelayMs: 150 });
    const socket = await open();

    const [connected] = fake.sentOf('session.state_updated');
    expect(connected.payload.state).toBe('connected');
    expect(Date.now()).toBeGreaterThanOrEqual(connected.at);
    await socket.send('session.keep_alive');
    await socket.send('session.keep_alive');
    await until(() => fake.received.length === 2);
    expect(fake.received.map((m) => m.beforeConnected)).toEqual([false, false]);
    const ids = fake.received.map((m) => m.event_id);
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[1]).not.toBe(ids[0]);
  });

  it('fails with a timeout when the vendor never says connected', async () => {
    await setUp({ sendConnected: false });

    await expect(open({ connectTimeoutMs: 100 })).rejects.toMatchObject({ kind: 'timeout', retryable: true });
    await until(() => fake.openWebSockets === 0);
  });

  it('fails as auth when the vendor refuses the socket token, and as session_ended for an ended session', async () => {
    await setUp();
    const badToken = wsUrl.replace(/token=[^&]+/, 'token=wrong');
    await expect(LiveAvatarSocket.open({ url: badToken, connectTimeoutMs: 1000, keepAliveIntervalMs: 60_000 })).rejects.toMatchObject({ kind: 'auth' });

    fake.endSession(fake.session.id);
    await expect(open()).rejects.toMatchObject({ kind: 'session_ended', retryable: false });
    await expect(LiveAvatarSocket.open({ url: 'not a url', connectTimeoutMs: 1000, keepAliveIntervalMs: 60_000 })).rejects.toMatchObject({ kind: 'rejected' });
  });

  it('sends session.keep_alive on its cadence while open, and not after close', async () => {
    await setUp();
    const socket = await open({ keepAliveIntervalMs: 40 });

    await until(() => fake.session.keepAlives >= 3);
    await socket.close();
    const at = fake.receivedOf('session.keep_alive').map((m) => m.at);
    for (let i = 1; i < at.length; i++) expect(at[i] - at[i - 1]).toBeGreaterThanOrEqual(30);
    const count = fake.session.keepAlives;
    await wait(120);
    expect(fake.session.keepAlives).toBe(count);
    expect(fake.receivedOf('session.keep_alive').every((m) => !!m.event_id)).toBe(true);
  });

  it('keeps the session from the vendor’s idle end by its keep-alives', async () => {
    await setUp({ idleTimeoutMs: 150 });
    await open({ keepAliveIntervalMs: 40 });

    await wait(400);
    expect(fake.session.state).toBe('started');
  });

  describe('lost', () => {
    it('reports the vendor ending the session once, as session_ended', async () => {
      await setUp();
      const socket = await open();
      const lost: ProviderError[] = [];
      socket.onLost((e) => lost.push(e));

      fake.endSession(fake.session.id, 'SERVER_ERROR');
      await until(() => lost.length > 0);
      await wait(50);

      expect(lost).toHaveLength(1);
      expect(lost[0]).toMatchObject({ kind: 'session_ended', provider: 'liveavatar' });
      expect(socket.isOpen).toBe(false);
      await expect(socket.send('session.keep_alive')).rejects.toBe(lost[0]);
    });

    it('reports the vendor’s idle end as session_ended', async () => {
      await setUp({ idleTimeoutMs: 100 });
      const socket = await open({ keepAliveIntervalMs: 60_000 });
      const lost: ProviderError[] = [];
      socket.onLost((e) => lost.push(e));

      await until(() => lost.length > 0);
      expect(lost[0].kind).toBe('session_ended');
      expect(fake.session).toMatchObject({ state: 'ended', endReason: 'IDLE_TIMEOUT' });
    });

    it('reports a dropped socket as a retryable connection failure, and tells a late listener too', async () => {
      await setUp();
      const socket = await open();
      const lost: ProviderError[] = [];
      socket.onLost((e) => lost.push(e));

      fake.dropWebSockets();
      await until(() => lost.length > 0);
      expect(lost[0]).toMatchObject({ kind: 'connection', retryable: true });

      const late = await new Promise<ProviderError>((resolve) => socket.onLost(resolve));
      expect(late).toBe(lost[0]);
    });

    it('takes the vendor saying closing as the session’s end, before any close', async () => {
      await setUp();
      const lost: ProviderError[] = [];
      (await open()).onLost((e) => lost.push(e));

      fake.sendState(fake.session.id, 'closing');
      await until(() => lost.length === 1);
      expect(lost[0]).toMatchObject({ kind: 'session_ended', message: expect.stringContaining('state closing') });
    });

    it('reads a close without a state message by its code: 1000 ended the session, others dropped it', async () => {
      await setUp();
      const lost: ProviderError[] = [];
      (await open()).onLost((e) => lost.push(e));
      fake.closeWebSockets(fake.session.id, 1000, 'bye');
      await until(() => lost.length === 1);
      (await open()).onLost((e) => lost.push(e));
      fake.closeWebSockets(fake.session.id, 1011, 'internal error');
      await until(() => lost.length === 2);

      expect(lost.map((e) => e.kind)).toEqual(['session_ended', 'connection']);
      expect(lost[1].message).toContain('1011 internal error');
    });

    it('reports nothing after close()', async () => {
      await setUp();
      const socket = await open();
      const lost: ProviderError[] = [];
      socket.onLost((e) => lost.push(e));

      await socket.close();
      fake.endSession(fake.session.id);
      fake.dropWebSockets();
      await wait(100);

      expect(lost).toEqual([]);
    });
  });

  it('connects again to the same session after a close or a drop: the vendor session stays started', async () => {
    await setUp();
    const first = await open();
    await first.close();
    const second = await open();
    fake.dropWebSockets();
    await until(() => !second.isOpen);

    const third = await open();
    await third.send('session.keep_alive');
    await until(() => fake.session.keepAlives === 1);
    expect(fake.sentOf('session.state_updated').filter((m) => m.payload.state === 'connected')).toHaveLength(3);
    expect(fake.openSessions).toBe(1);
  });
});
