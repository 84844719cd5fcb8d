import { LIVEAVATAR_FAKE_API_KEY, LIVEAVATAR_FAKE_AVATAR_ID, LiveAvatarFake } from '../../../testing/src/fakes/liveavatar-fake';
import { LiveAvatarApi } from './liveavatar-api';
import { LiveAvatarSocket } from './liveavatar-socket';
import { speakAudio, SpeakAudioOptions } from './speak-audio';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const OPTIONS: SpeakAudioOptions = { chunking: { firstS: 0.06, nextS: 0.1 }, sendAheadMs: 50, speechSlackMs: 1000 };
const never = new AbortController().signal;
const pcmOf = (seconds: number) => Buffer.alloc(Math.round(seconds * 24_000) * 2, 1);

describe('speakAudio', () => {
  let fake: LiveAvatarFake;
  let socket: LiveAvatarSocket;

  beforeEach(async () => {
    fake = await new LiveAvatarFake().start();
    const api = new LiveAvatarApi({ apiUrl: fake.url, rule: { attempts: 1, delayMs: 0, timeoutMs: 1000 } });
    const token = await api.createSessionToken(LIVEAVATAR_FAKE_API_KEY, { mode: 'CUSTOM', avatar_id: LIVEAVATAR_FAKE_AVATAR_ID });
    const { ws_url } = await api.startSession(token.session_id, token.session_token);
    socket = await LiveAvatarSocket.open({ url: ws_url, connectTimeoutMs: 1000, keepAliveIntervalMs: 60_000 });
  });

  afterEach(async () => {
    await socket.close();
    await fake.stop();
  });

  it('sends nothing for no audio, or when already aborted', async () => {
    const aborted = AbortSignal.abort();

    await expect(speakAudio(socket, Buffer.alloc(0), OPTIONS, never)).resolves.toEqual({ spokenSeconds: 0, interrupted: false });
    await expect(speakAudio(socket, pcmOf(1), OPTIONS, aborted)).resolves.toEqual({ spokenSeconds: 0, interrupted: true });
    await wait(30);
    expect(fake.received).toEqual([]);
  });

  it('reports an interruption the vendor made itself, with the playback so far, and stops sending', async () => {
    setTimeout(() => fake.interruptSpeech(fake.session.id), 150);

    const outcome = await speakAudio(socket, pcmOf(2), OPTIONS, never);

    expect(outcome.interrupted).toBe(true);
    expect(outcome.spokenSeconds).toBeGreaterThanOrEqual(0.1);
    // Well before the 2 s of audio ended (the bound is loose: a loaded machine runs timers late).
    expect(outcome.spokenSeconds).toBeLessThan(1.5);
    const sent = fake.receivedOf('agent.speak').length;
    await wait(200);
    expect(fake.receivedOf('agent.speak')).toHaveLength(sent);
    expect(fake.receivedOf('agent.speak_end')).toEqual([]);
  });

  it('is not fooled by the end of an earlier utterance', async () => {
    // The first utterance is cut short by an abort: its speak_interrupted may come late.
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 80);
    await speakAudio(socket, pcmOf(1), OPTIONS, abort.signal);

    const outcome = await speakAudio(socket, pcmOf(0.3), OPTIONS, never);

    expect(outcome).toEqual({ spokenSeconds: 0.3, interrupted: false });
    const [, second] = fake.sentOf('agent.speak_started');
    const [ended] = fake.sentOf('agent.speak_ended');
    expect(ended.payload.task).toEqual(second.payload.task);
  });
});
