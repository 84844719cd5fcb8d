import type { SynthesisRequest, SynthesizedSpeech, TtsEngine } from '@avatar/tts';
import type { PcmSpeech, ProviderConnection, ProviderMediaEvent, ProviderSessionRef, ProviderSessionSpec, RecordedSpeech } from '../avatar-provider';
import { ProviderError } from '../provider-error';
import { LIVEAVATAR_FAKE_API_KEY, LIVEAVATAR_FAKE_AVATAR_ID, LiveAvatarFake, LiveAvatarFakeOptions } from '../../../testing/src/fakes/liveavatar-fake';
import { LiveAvatarProvider, LiveAvatarProviderOptions } from './liveavatar-provider';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await wait(5);
  }
}

/** Deterministic speech: `seconds` of a sample ramp at the rate asked for (or a fixed wrong one). */
class StubTts implements TtsEngine {
  readonly name = 'stub';
  readonly requests: SynthesisRequest[] = [];
  constructor(
    private readonly seconds: number,
    private readonly options: { rate?: number; delayMs?: number } = {},
  ) {}

  async synthesize(request: SynthesisRequest, signal?: AbortSignal): Promise<SynthesizedSpeech> {
    this.requests.push(request);
    if (this.options.delayMs) await wait(this.options.delayMs);
    if (signal?.aborted) throw new Error('aborted');
    const rate = this.options.rate ?? request.sampleRate;
    const samples = Math.round(this.seconds * rate);
    const pcm = Buffer.alloc(samples * 2);
    for (let i = 0; i < samples; i++) pcm.writeInt16LE((i * 37) % 32_000, i * 2);
    return { pcm, sampleRate: rate, durationS: samples / rate };
  }
}

/**
 * Recorded audio at 16 kHz; `at(rate)` gives a ramp of its own at that rate (a stand-in
 * for the worker's resampler, recognisably different from the input) and records the rates asked.
 */
function recorded16k(seconds: number, options: { wrongRate?: number } = {}) {
  const asked: number[] = [];
  const at = (rate: number): PcmSpeech => {
    const samples = Math.round(seconds * rate);
    const pcm = Buffer.alloc(samples * 2);
    for (let i = 0; i < samples; i++) pcm.writeInt16LE(((i * 53) % 20_000) - 10_000, i * 2);
    return { pcm, sampleRate: options.wrongRate ?? rate, durationS: samples / rate };
  };
  const audio: RecordedSpeech = {
    ...at(16_000),
    at: (rate) => {
      asked.push(rate);
      return at(rate);
    },
  };
  return { audio, asked, resampled: at(24_000).pcm };
}

const QUICK_RULE = { attempts: 1, delayMs: 0, timeoutMs: 1000 };
/** Small chunks and lead: the paced path at a tenth of the real sizes. */
const PACED = { audioChunk: { firstS: 0.06, nextS: 0.1 }, sendAheadMs: 50 };

describe('LiveAvatarConnection', () => {
  let fake: LiveAvatarFake;
  let connection: ProviderConnection;
  let tts: StubTts;
  const never = new AbortController().signal;
  const emitted: ProviderMediaEvent[] = [];
  const emit = async (event: ProviderMediaEvent) => void emitted.push(event);

  async function setUp(seconds: number, providerOptions: Partial<LiveAvatarProviderOptions> = {}, fakeOptions: LiveAvatarFakeOptions = {}, speech?: TtsEngine | null) {
    fake = await new LiveAvatarFake({ playbackSpeed: 20, ...fakeOptions }).start();
    const provider = new LiveAvatarProvider({ apiUrl: fake.url, rule: QUICK_RULE, sendAheadMs: 60_000, speechSlackMs: 1000, ...providerOptions });
    tts = new StubTts(seconds);
    const spec: ProviderSessionSpec = {
      tenantId: 't1',
      sessionId: 's1',
      avatarId: LIVEAVATAR_FAKE_AVATAR_ID,
      voiceId: 'session-voice',
      quality: 'medium',
      credentials: { api_key: LIVEAVATAR_FAKE_API_KEY },
      ...(speech === null ? {} : { speech: speech ?? tts }),
    };
    const started = await provider.start(spec);
    const ref: ProviderSessionRef = { spec, providerSessionId: started.providerSessionId, state: started.state };
    connection = await provider.connect(ref);
    return { provider, ref };
  }

  afterEach(async () => {
    emitted.length = 0;
    await connection?.close();
    await fake.stop();
  });

  it('speaks the synthesized 24 kHz PCM in chunks of ~0.6 s then ~1 s, ends it, and waits for the avatar to finish', async () => {
    await setUp(2.9, {}, { connectedDelayMs: 50 });

    const outcome = await connection.speak({ taskId: 'task-1', text: 'hello there', voiceSettings: { speed: 1.1 } }, emit, never);

    expect(outcome).toEqual({ spokenSeconds: 2.9, interrupted: false });
    expect(tts.requests).toEqual([{ text: 'hello there', voiceId: 'session-voice', voiceSettings: { speed: 1.1 }, sampleRate: 24_000 }]);
    const speaks = fake.receivedOf('agent.speak');
    expect(speaks.map((m) => m.audioBytes)).toEqual([28_800, 48_000, 48_000, 14_400]);
    const synthesized = (await new StubTts(2.9).synthesize({ text: '', sampleRate: 24_000 })).pcm;
    expect(Buffer.concat(speaks.map((m) => m.audio!)).equals(synthesized)).toBe(true);
    expect(fake.received.every((m) => !m.beforeConnected && !!m.event_id)).toBe(true);
    expect(fake.received.map((m) => m.type)).toEqual(['agent.speak', 'agent.speak', 'agent.speak', 'agent.speak', 'agent.speak_end']);
    // It resolved on the vendor's speak_ended for this utterance, not before.
    const [ended] = fake.sentOf('agent.speak_ended');
    expect(ended.payload.event_id).toBe(speaks[0].event_id);
    expect(emitted).toEqual([]);
  });

  it('paces the chunks: none is sent more than sendAheadMs before its place in the speech', async () => {
    await setUp(0.46, { ...PACED }, { playbackSpeed: 1 });

    // Measured from before the call: a first chunk delayed by a busy machine cannot make the later ones look early.
    const startedAt = Date.now();
    const outcome = await connection.speak({ taskId: 'task-1', text: 'paced' }, emit, never);

    expect(outcome.interrupted).toBe(false);
    const speaks = fake.receivedOf('agent.speak');
    const offsetsMs = [0, 60, 160, 260, 360];
    expect(speaks).toHaveLength(offsetsMs.length);
    for (let i = 1; i < speaks.length; i++) expect(speaks[i].at - startedAt).toBeGreaterThanOrEqual(offsetsMs[i] - PACED.sendAheadMs - 5);
    const [end] = fake.receivedOf('agent.speak_end');
    expect(end.at).toBeGreaterThanOrEqual(speaks[speaks.length - 1].at);
  });

  it('on abort sends agent.interrupt, stops sending, and reports the playback so far', async () => {
    await setUp(2, { ...PACED }, { playbackSpeed: 1 });
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 150);

    const outcome = await connection.speak({ taskId: 'task-1', text: 'long' }, emit, abort.signal);

    expect(outcome.interrupted).toBe(true);
    expect(outcome.spokenSeconds).toBeGreaterThanOrEqual(0.1);
    expect(outcome.spokenSeconds).toBeLessThan(0.5);
    await until(() => fake.receivedOf('agent.interrupt').length === 1);
    const sentSpeaks = fake.receivedOf('agent.speak').length;
    expect(sentSpeaks).toBeLessThan(6);
    await wait(250);
    expect(fake.receivedOf('agent.speak')).toHaveLength(sentSpeaks);
    expect(fake.receivedOf('agent.speak_end')).toEqual([]);
    expect(fake.sentOf('agent.speak_interrupted')).toHaveLength(1);
  });

  it('speaks the next text after an interrupted one', async () => {
    await setUp(0.4, { ...PACED }, { playbackSpeed: 1 });
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 80);
    await connection.speak({ taskId: 'task-1', text: 'first' }, emit, abort.signal);

    const outcome = await connection.speak({ taskId: 'task-2', text: 'second' }, emit, never);

    expect(outcome).toEqual({ spokenSeconds: 0.4, interrupted: false });
    expect(fake.sentOf('agent.speak_started')).toHaveLength(2);
  });

  it('fails with a retryable connection error when the socket drops mid-speech', async () => {
    await setUp(2, { ...PACED }, { playbackSpeed: 1 });
    setTimeout(() => fake.dropWebSockets(), 120);

    const failure = await connection.speak({ taskId: 'task-1', text: 'long' }, emit, never).catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(ProviderError);
    expect(failure).toMatchObject({ kind: 'connection', retryable: true });
  });

  it('fails as session_ended when the vendor ends the session mid-speech', async () => {
    await setUp(2, { ...PACED }, { playbackSpeed: 1 });
    setTimeout(() => fake.endSession(fake.session.id), 120);

    await expect(connection.speak({ taskId: 'task-1', text: 'long' }, emit, never)).rejects.toMatchObject({ kind: 'session_ended' });
  });

  it('fails with a timeout (and interrupts) when the avatar does not finish within duration + slack', async () => {
    await setUp(0.2, { speechSlackMs: 100 }, { playbackSpeed: 0.05 });

    await expect(connection.speak({ taskId: 'task-1', text: 'stuck' }, emit, never)).rejects.toMatchObject({ kind: 'timeout' });
    await until(() => fake.receivedOf('agent.interrupt').length === 1);
  });

  it('refuses to speak without a speech engine, or with audio that is not 24 kHz, sending nothing', async () => {
    await setUp(1, {}, {}, null);
    await expect(connection.speak({ taskId: 'task-1', text: 'hi' }, emit, never)).rejects.toMatchObject({ kind: 'rejected', message: expect.stringContaining('no speech engine') });
    await connection.close();
    await fake.stop();

    await setUp(1, {}, {}, new StubTts(1, { rate: 16_000 }));
    await expect(connection.speak({ taskId: 'task-1', text: 'hi' }, emit, never)).rejects.toMatchObject({ kind: 'rejected', message: expect.stringContaining('16000 Hz') });
    expect(fake.receivedOf('agent.speak')).toEqual([]);
  });

  it('refuses a second speech while one plays', async () => {
    await setUp(0.4, { ...PACED }, { playbackSpeed: 1 });
    const first = connection.speak({ taskId: 'task-1', text: 'one' }, emit, never);

    await expect(connection.speak({ taskId: 'task-2', text: 'two' }, emit, never)).rejects.toMatchObject({ kind: 'rejected' });
    await expect(first).resolves.toEqual({ spokenSeconds: 0.4, interrupted: false });
  });

  it('sends nothing when aborted while synthesizing', async () => {
    await setUp(1, {}, {}, new StubTts(1, { delayMs: 100 }));
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 20);

    await expect(connection.speak({ taskId: 'task-1', text: 'hi' }, emit, abort.signal)).resolves.toEqual({ spokenSeconds: 0, interrupted: true });
    await wait(50);
    expect(fake.received).toEqual([]);
  });

  describe('audio tasks', () => {
    it('sends the recorded audio resampled to 24 kHz through agent.speak … agent.speak_end, without the speech engine', async () => {
      await setUp(2.9);
      const { audio, asked, resampled } = recorded16k(1.7);

      const outcome = await connection.speak({ taskId: 'task-a', text: '', audio }, emit, never);

      expect(outcome).toEqual({ spokenSeconds: 1.7, interrupted: false });
      expect(asked).toEqual([24_000]);
      expect(tts.requests).toEqual([]);
      const speaks = fake.receivedOf('agent.speak');
      // ~0.6 s then ~1 s chunks of the 24 kHz audio; their base64 decodes back to it byte for byte.
      expect(speaks.map((m) => m.audioBytes)).toEqual([28_800, 48_000, 4_800]);
      expect(Buffer.concat(speaks.map((m) => m.audio!)).equals(resampled)).toBe(true);
      expect(fake.received.map((m) => m.type)).toEqual(['agent.speak', 'agent.speak', 'agent.speak', 'agent.speak_end']);
      expect(fake.received.every((m) => !!m.event_id)).toBe(true);
      expect(emitted).toEqual([]);
    });

    it('needs no speech engine in the session', async () => {
      await setUp(1, {}, {}, null);
      const { audio, resampled } = recorded16k(0.5);

      await expect(connection.speak({ taskId: 'task-a', text: '', audio }, emit, never)).resolves.toEqual({ spokenSeconds: 0.5, interrupted: false });
      expect(Buffer.concat(fake.receivedOf('agent.speak').map((m) => m.audio!)).equals(resampled)).toBe(true);
    });

    it('refuses audio the resampler did not bring to 24 kHz, sending nothing', async () => {
      await setUp(1);
      const { audio } = recorded16k(0.5, { wrongRate: 16_000 });

      await expect(connection.speak({ taskId: 'task-a', text: '', audio }, emit, never)).rejects.toMatchObject({ kind: 'rejected', message: expect.stringContaining('16000 Hz') });
      expect(fake.received).toEqual([]);
    });

    it('interrupts recorded audio like synthesized speech', async () => {
      await setUp(1, { ...PACED }, { playbackSpeed: 1 });
      const abort = new AbortController();
      const speaking = connection.speak({ taskId: 'task-a', text: '', audio: recorded16k(2).audio }, emit, abort.signal);
      await until(() => fake.receivedOf('agent.speak').length >= 2);
      abort.abort();

      const outcome = await speaking;
      expect(outcome.interrupted).toBe(true);
      expect(outcome.spokenSeconds).toBeLessThan(2);
      await until(() => fake.receivedOf('agent.interrupt').length === 1);
      expect(fake.receivedOf('agent.speak_end')).toEqual([]);
    });
  });

  describe('listening', () => {
    it('setListening(true|false) sends agent.start_listening / agent.stop_listening, each with an event_id', async () => {
      await setUp(1);

      await connection.setListening!(true);
      await until(() => fake.session.listening);
      await connection.setListening!(false);
      await until(() => !fake.session.listening);

      expect(fake.received.map((m) => m.type)).toEqual(['agent.start_listening', 'agent.stop_listening']);
      const ids = fake.received.map((m) => m.event_id);
      expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
      expect(new Set(ids).size).toBe(2);
    });

    it('fails with the socket’s error once the session is gone', async () => {
      await setUp(1);
      const lost: Error[] = [];
      connection.onLost!((e) => lost.push(e));
      fake.endSession(fake.session.id);
      await until(() => lost.length === 1);

      await expect(connection.setListening!(true)).rejects.toBe(lost[0]);
    });
  });

  it('keepAlive() sends one session.keep_alive now', async () => {
    await setUp(1);

    await connection.keepAlive();

    await until(() => fake.session.keepAlives === 1);
    expect(fake.receivedOf('session.keep_alive')[0].event_id).toBeDefined();
  });

  it('tells its onLost listener once when the vendor ends the session, and nothing after close()', async () => {
    await setUp(1);
    const lost: Error[] = [];
    connection.onLost!((e) => lost.push(e));
    fake.endSession(fake.session.id);
    await until(() => lost.length === 1);
    expect(lost[0]).toMatchObject({ kind: 'session_ended' });
    await expect(connection.speak({ taskId: 'task-1', text: 'hi' }, emit, never)).rejects.toBe(lost[0]);

    await connection.close();
    await fake.stop();
    await setUp(1);
    const after: Error[] = [];
    connection.onLost!((e) => after.push(e));
    await connection.close();
    fake.dropWebSockets();
    await wait(50);
    expect(after).toEqual([]);
  });
});
