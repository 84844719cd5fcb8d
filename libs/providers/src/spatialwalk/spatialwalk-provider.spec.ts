import type { SynthesisRequest, TtsEngine } from '@avatar/tts';
import type { AudioEvent, FrameEvent } from '@avatar/contracts';
import type { PcmSpeech, ProviderConnection, ProviderMediaEvent, ProviderSessionSpec, RecordedSpeech, StartedProviderSession } from '../avatar-provider';
import { ProviderError } from '../provider-error';
import { SpatialWalkFake, spatialWalkFakeFrameIndex } from '../../../testing/src/fakes/spatialwalk-fake';
import { SpatialWalkProvider, SpatialWalkProviderOptions } from './spatialwalk-provider';
import { decodeMessage, MessageType } from './spatialwalk-wire';

const AUDIO_INPUT = 'MESSAGE_CLIENT_AUDIO_INPUT';
const INTERRUPT = 'MESSAGE_CLIENT_INTERRUPT';
const CONFIGURE = 'MESSAGE_CLIENT_CONFIGURE_SESSION';

/** A speech engine whose audio lasts 0.1 s per character, with a recognisable pattern. */
function testEngine(secondsPerChar = 0.1) {
  const requests: SynthesisRequest[] = [];
  const engine: TtsEngine = {
    name: 'test-tts',
    async synthesize(request) {
      requests.push(request);
      const samples = Math.round(request.text.length * secondsPerChar * request.sampleRate);
      const pcm = Buffer.alloc(samples * 2);
      for (let i = 0; i < samples; i++) pcm.writeInt16LE(((i * 37) % 30000) - 15000, i * 2);
      return { pcm, sampleRate: request.sampleRate, durationS: samples / request.sampleRate };
    },
  };
  return { engine, requests };
}

/** Recorded audio at 48 kHz; `at(rate)` gives a recognisable ramp at that rate and records the rates asked. */
function recorded(seconds: number, options: { wrongRate?: number } = {}) {
  const asked: number[] = [];
  const at = (rate: number): PcmSpeech => {
    const samples = Math.round(seconds * rate);
    const pcm = Buffer.alloc(samples * 2);
    for (let i = 0; i < samples; i++) pcm.writeInt16LE(((i * 71) % 24_000) - 12_000, i * 2);
    return { pcm, sampleRate: options.wrongRate ?? rate, durationS: samples / rate };
  };
  const audio: RecordedSpeech = {
    ...at(48_000),
    at: (rate) => {
      asked.push(rate);
      return at(rate);
    },
  };
  return { audio, asked, at };
}

const collector = () => {
  const events: ProviderMediaEvent[] = [];
  return { events, emit: async (event: ProviderMediaEvent) => void events.push(event) };
};
const frames = (events: ProviderMediaEvent[]) => events.filter((e): e is FrameEvent => e.type === 'frame');
const audios = (events: ProviderMediaEvent[]) => events.filter((e): e is AudioEvent => e.type === 'audio');
const until = async (check: () => boolean, timeoutMs = 3000) => {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('SpatialWalkProvider (against SpatialWalkFake)', () => {
  let fake: SpatialWalkFake;
  let open: ProviderConnection[];
  let tts: ReturnType<typeof testEngine>;
  const now = 1_800_000_000_000;

  beforeEach(async () => {
    fake = await new SpatialWalkFake({ playbackSpeed: 25 }).start();
    open = [];
    tts = testEngine();
  });
  afterEach(async () => {
    await Promise.all(open.map((c) => c.close()));
    await fake.stop();
  });

  const provider = (options: Partial<SpatialWalkProviderOptions> = {}) =>
    new SpatialWalkProvider({
      consoleUrl: fake.consoleUrl,
      ingressUrl: fake.ingressUrl,
      avatars: [{ id: 'avatar-1', name: 'Ava' }],
      tokenTtlSeconds: 600,
      connectTimeoutMs: 2000,
      rule: { attempts: 1, delayMs: 0, timeoutMs: 2000 },
      stallTimeoutMs: 2000,
      ...options,
    });
  const spec = (overrides: Partial<ProviderSessionSpec> = {}): ProviderSessionSpec => ({
    tenantId: 't1',
    sessionId: 's1',
    avatarId: 'avatar-1',
    quality: 'medium',
    credentials: { api_key: fake.apiKey, app_id: fake.appId },
    speech: tts.engine,
    ...overrides,
  });
  const connect = async (p: SpatialWalkProvider, s: ProviderSessionSpec, started?: StartedProviderSession) => {
    const session = started ?? (await p.start(s));
    const connection = await p.connect({ spec: s, providerSessionId: session.providerSessionId, state: session.state });
    open.push(connection);
    return connection;
  };

  describe('start', () => {
    it('takes a session token: X-Api-Key and {expireAt: now + ttl} in unix seconds', async () => {
      // The fake only issues tokens expiring in the future: the clock stays near now.
      const clock = { now: () => Date.now() };
      const started = await provider({ clock }).start(spec());
      const [call] = fake.calls('POST', '/v1/console/session-tokens');
      expect(call.headers['x-api-key']).toBe(fake.apiKey);
      expect(call.headers['content-type']).toBe('application/json');
      const expireAt = (call.body as { expireAt: number }).expireAt;
      expect(Number.isInteger(expireAt)).toBe(true);
      expect(Math.abs(expireAt - (Math.floor(Date.now() / 1000) + 600))).toBeLessThanOrEqual(1);
      expect(Object.keys(call.body as object)).toEqual(['expireAt']);

      expect(started.providerSessionId).toMatch(/^spatialwalk-[0-9a-f-]{36}$/);
      expect(started.state).toEqual({ session_token: expect.stringMatching(/^st-/), expire_at: String(expireAt) });
      expect(fake.issuedTokens.get(started.state!.session_token)).toBe(expireAt);
      // The socket is connect's business.
      expect(fake.socketAuth).toHaveLength(0);
    });

    it('fails with auth when the console refuses the key, and without a call when a credential is missing', async () => {
      await expect(provider().start(spec({ credentials: { api_key: 'nope', app_id: fake.appId } }))).rejects.toMatchObject({ kind: 'auth', vendorStatus: 401 });
      await expect(provider().start(spec({ credentials: { api_key: fake.apiKey } }))).rejects.toMatchObject({ kind: 'auth' });
      expect(fake.calls('POST', '/v1/console/session-tokens')).toHaveLength(1);
    });

    it('fails when the console answers with an errors array', async () => {
      fake.fault({ path: '/v1/console/session-tokens', answer: { status: 200, body: { errors: [{ status: 429, code: 'too_many' }] } } });
      await expect(provider().start(spec())).rejects.toMatchObject({ kind: 'rate_limited', retryable: true });
    });
  });

  describe('connect', () => {
    it('opens {ingress}/websocket?id=<avatar> with X-App-ID and X-Session-Key, configures and waits for the confirmation', async () => {
      const p = provider();
      const started = await p.start(spec());
      fake.confirmDelayMs = 200;
      let settled = false;
      const connecting = p.connect({ spec: spec(), providerSessionId: started.providerSessionId, state: started.state }).finally(() => (settled = true));
      await until(() => fake.messages(CONFIGURE).length === 1);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(settled).toBe(false);
      const connection = (await connecting) as ProviderConnection & { connectionId: string };
      open.push(connection);

      expect(connection.connectionId).toBe('conn-1');
      expect(fake.socketAuth).toEqual([{ socket: 1, avatarId: 'avatar-1', appId: fake.appId, sessionKey: started.state!.session_token, via: 'headers' }]);
      const upgrade = fake.requests.find((r) => r.path === '/v2/driveningress/websocket')!;
      expect(upgrade.query).toEqual({ id: 'avatar-1' });
      const [configure] = fake.messages(CONFIGURE);
      expect(configure.configure).toEqual({ sampleRate: 16000, bitrate: 0, audioFormat: 0, transportCompression: 0, egressType: 0 });
      expect(configure.raw.toString('hex')).toBe('0801120308807d');
      expect(fake.openSessions).toBe(1);
    });

    it('can authenticate the web way, in the query', async () => {
      const p = provider({ queryAuth: true });
      const started = await p.start(spec());
      await connect(p, spec(), started);
      expect(fake.socketAuth[0]).toMatchObject({ via: 'query', appId: fake.appId, sessionKey: started.state!.session_token });
      const upgrade = fake.requests.find((r) => r.path === '/v2/driveningress/websocket')!;
      expect(upgrade.headers['x-session-key']).toBeUndefined();
    });

    it('configures the sample rate it synthesizes at', async () => {
      const connection = await connect(provider({ sampleRate: 24000 }), spec());
      expect(fake.messages(CONFIGURE)[0].configure?.sampleRate).toBe(24000);
      await connection.speak({ taskId: 'task-1', text: 'hi' }, collector().emit, new AbortController().signal);
      expect(tts.requests[0].sampleRate).toBe(24000);
    });

    it('refuses a sample rate the vendor does not take', () => {
      expect(() => provider({ sampleRate: 11025 as never })).toThrow(/sample rates/);
    });

    it('fails with timeout when the confirmation does not come in time', async () => {
      fake.confirmDelayMs = 1000;
      await expect(connect(provider({ connectTimeoutMs: 100 }), spec())).rejects.toMatchObject({ kind: 'timeout', retryable: true });
    });

    it('maps the refusal of an unknown avatar', async () => {
      const err = await connect(provider(), spec({ avatarId: 'avatar-404' })).catch((e) => e);
      expect(err).toBeInstanceOf(ProviderError);
      expect(err).toMatchObject({ kind: 'unknown_avatar', retryable: false, vendorStatus: 5 });
      expect(err.message).toContain('Avatar not found');
      await until(() => fake.openSessions === 0 && fake.openWebSockets === 0);
    });

    it('maps other configure refusals by message and code', async () => {
      fake.failNextConfigure(8, 'too many sessions for this app');
      await expect(connect(provider(), spec())).rejects.toMatchObject({ kind: 'concurrency_limit', vendorStatus: 8 });
      fake.failNextConfigure(14, 'no capacity in region');
      await expect(connect(provider(), spec())).rejects.toMatchObject({ kind: 'unavailable', retryable: true });
      expect(fake.openSessions).toBe(0);
    });

    it('takes a new token when the stored one is about to expire', async () => {
      const p = provider();
      const started = await p.start(spec());
      const stale = { ...started.state!, expire_at: String(Math.floor(Date.now() / 1000) + 10) };
      await connect(p, spec(), { ...started, state: stale });
      expect(fake.calls('POST', '/v1/console/session-tokens')).toHaveLength(2);
      expect(fake.socketAuth[0].sessionKey).not.toBe(started.state!.session_token);
    });

    it('replaces a stored token the ingress refuses, once', async () => {
      const p = provider();
      const started = await p.start(spec());
      const revoked = { ...started.state!, session_token: 'st-revoked' };
      const connection = (await connect(p, spec(), { ...started, state: revoked })) as ProviderConnection & { connectionId: string };
      expect(fake.socketAuth.map((a) => a.sessionKey)).toEqual(['st-revoked', expect.stringMatching(/^st-/)]);
      expect(connection.connectionId).toBe('conn-2');
      // A fresh token refused too is not tried again.
      fake.failNextConfigure(16, 'Invalid session token');
      await expect(connect(p, spec(), { ...started, state: undefined })).rejects.toMatchObject({ kind: 'auth' });
    });

    it('fails with connection when the ingress cannot be reached', async () => {
      const unreachable = provider({ ingressUrl: 'http://127.0.0.1:1/v2/driveningress' });
      await expect(connect(unreachable, spec())).rejects.toMatchObject({ kind: 'connection', retryable: true });
    });
  });

  describe('speak', () => {
    it('streams the synthesized PCM as audio inputs under one request id, the last with end', async () => {
      const connection = await connect(provider(), spec());
      const { emit } = collector();
      await connection.speak({ taskId: 'task-1', text: 'hello world', voiceId: 'v1' }, emit, new AbortController().signal);

      expect(tts.requests).toEqual([{ text: 'hello world', voiceId: 'v1', voiceSettings: undefined, sampleRate: 16000 }]);
      const inputs = fake.messages(AUDIO_INPUT);
      const pcmBytes = 11 * 0.1 * 16000 * 2; // 35200
      expect(inputs.reduce((sum, m) => sum + m.audioBytes!, 0)).toBe(pcmBytes);
      expect(inputs.slice(0, -1).every((m) => m.audioBytes === 5120)).toBe(true); // 160 ms chunks
      expect(inputs.map((m) => m.end)).toEqual([...Array(inputs.length - 1).fill(false), true]);
      expect(new Set(inputs.map((m) => m.reqId)).size).toBe(1);
      expect(inputs[0].reqId).toMatch(/^task-1_[0-9a-f]{8}$/);
      // The bytes on the wire are the PCM itself, in order.
      const sent = Buffer.concat(inputs.map((m) => Buffer.from(decodeMessage(m.raw).clientAudioInput!.audio!)));
      const expected = await tts.engine.synthesize({ text: 'hello world', sampleRate: 16000 });
      expect(sent.equals(expected.pcm)).toBe(true);
    });

    it('turns each animation response into a frame event, in order, with the audio ahead of its frames', async () => {
      const connection = await connect(provider({ clock: { now: () => now } }), spec());
      const { events, emit } = collector();
      const outcome = await connection.speak({ taskId: 'task-1', text: 'hello world' }, emit, new AbortController().signal);

      expect(outcome).toEqual({ spokenSeconds: 1.1, interrupted: false });
      const reqId = fake.messages(AUDIO_INPUT)[0].reqId!;
      const shown = frames(events);
      // 1.1 s of audio at one response per 40 ms.
      expect(shown).toHaveLength(28);
      expect(fake.animationsSent(reqId)).toBe(28);
      expect(shown.map((f) => spatialWalkFakeFrameIndex(f.data))).toEqual([...Array(28).keys()]);
      expect(shown.map((f) => f.frame_id)).toEqual([...Array(28).keys()].map((i) => i + 1));
      expect(shown[0]).toMatchObject({ type: 'frame', task_id: 'task-1', viseme: '', timestamp: now / 1000, mime_type: 'application/x-protobuf; messageType=message.Message' });
      const decoded = shown.map((f) => decodeMessage(Buffer.from(f.data, 'base64')));
      expect(decoded.every((m) => m.type === MessageType.MESSAGE_SERVER_RESPONSE_ANIMATION && m.serverResponseAnimation?.reqId === reqId)).toBe(true);
      expect(decoded.map((m) => !!m.serverResponseAnimation?.end)).toEqual([...Array(27).fill(false), true]);

      // Audio: 1 s and 0.1 s, the first before frame 0, the second before frame 25 (1 s at 25 fps).
      const sound = audios(events);
      expect(sound.map((a) => a.duration)).toEqual([1, expect.closeTo(0.1, 10)]);
      expect(sound.every((a) => a.task_id === 'task-1' && a.sample_rate === 16000)).toBe(true);
      expect(events.indexOf(sound[0])).toBe(0);
      expect(events.indexOf(sound[1])).toBe(events.indexOf(shown[25]) - 1);
      const pcm = Buffer.concat(sound.map((a) => Buffer.from(a.data, 'base64').subarray(44)));
      expect(pcm.equals((await tts.engine.synthesize({ text: 'hello world', sampleRate: 16000 })).pcm)).toBe(true);
      expect(Buffer.from(sound[0].data, 'base64').toString('ascii', 0, 4)).toBe('RIFF');
    });

    it('numbers frames on across utterances of one connection', async () => {
      const connection = await connect(provider(), spec());
      const { events, emit } = collector();
      await connection.speak({ taskId: 'task-1', text: 'hi' }, emit, new AbortController().signal);
      await connection.speak({ taskId: 'task-2', text: 'yo' }, emit, new AbortController().signal);
      const ids = frames(events).map((f) => f.frame_id);
      expect(ids).toEqual([...Array(ids.length).keys()].map((i) => i + 1));
      expect(new Set(fake.messages(AUDIO_INPUT).map((m) => m.reqId)).size).toBe(2);
    });

    it('on abort sends an interrupt for the request, stops, and reports what was shown', async () => {
      fake.playbackSpeed = 5;
      const connection = await connect(provider(), spec());
      const abort = new AbortController();
      const { events } = collector();
      const outcome = await connection.speak(
        { taskId: 'task-1', text: 'a rather long sentence to speak' },
        async (event) => {
          events.push(event);
          if (frames(events).length === 5) abort.abort();
        },
        abort.signal,
      );
      expect(outcome).toEqual({ spokenSeconds: 5 / 25, interrupted: true });
      const reqId = fake.messages(AUDIO_INPUT)[0].reqId!;
      await until(() => fake.messages(INTERRUPT).length === 1);
      expect(fake.messages(INTERRUPT)[0].reqId).toBe(reqId);
      expect(fake.messages(INTERRUPT)[0].raw.toString('hex')).toBe('0807' + '42' + (reqId.length + 2).toString(16).padStart(2, '0') + '0a' + reqId.length.toString(16).padStart(2, '0') + Buffer.from(reqId).toString('hex'));
      const count = events.length;
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(events.length).toBe(count);
      expect(fake.animationsSent(reqId)).toBeLessThan(Math.ceil(3.1 / 0.04));
      // The connection speaks on.
      const next = await connection.speak({ taskId: 'task-2', text: 'ok' }, collector().emit, new AbortController().signal);
      expect(next.interrupted).toBe(false);
    });

    it('drops late animation of an interrupted request instead of showing it in the next utterance', async () => {
      fake.playbackSpeed = 5;
      fake.ignoreInterrupts = true;
      const connection = await connect(provider(), spec());
      const abort = new AbortController();
      const first = collector();
      await connection.speak(
        { taskId: 'task-1', text: 'a rather long sentence to speak' },
        async (event) => {
          await first.emit(event);
          if (frames(first.events).length === 2) abort.abort();
        },
        abort.signal,
      );
      const [firstReq] = [...new Set(fake.messages(AUDIO_INPUT).map((m) => m.reqId))];
      const second = collector();
      await connection.speak({ taskId: 'task-2', text: 'hi' }, second.emit, new AbortController().signal);
      const secondReq = fake.messages(AUDIO_INPUT).find((m) => m.reqId !== firstReq)!.reqId;
      // The vendor kept animating the first request meanwhile.
      expect(fake.animationsSent(firstReq!)).toBeGreaterThan(2);
      expect(frames(second.events).map((f) => decodeMessage(Buffer.from(f.data, 'base64')).serverResponseAnimation?.reqId)).toEqual(Array(5).fill(secondReq));
      expect(frames(first.events)).toHaveLength(2);
    });

    it('does not call the vendor when aborted before speaking', async () => {
      const connection = await connect(provider(), spec());
      const abort = new AbortController();
      abort.abort();
      expect(await connection.speak({ taskId: 'task-1', text: 'hi' }, collector().emit, abort.signal)).toEqual({ spokenSeconds: 0, interrupted: true });
      expect(fake.messages(AUDIO_INPUT)).toHaveLength(0);
    });

    it('fails the utterance with the mapped kind when the vendor answers its request with an error, and speaks on', async () => {
      const connection = await connect(provider(), spec());
      fake.failNextRequest(3, 'audio too short');
      const err = await connection.speak({ taskId: 'task-1', text: 'hello' }, collector().emit, new AbortController().signal).catch((e) => e);
      expect(err).toBeInstanceOf(ProviderError);
      expect(err).toMatchObject({ kind: 'rejected', vendorStatus: 3, retryable: false });
      expect(err.message).toContain('audio too short');
      const outcome = await connection.speak({ taskId: 'task-2', text: 'hello' }, collector().emit, new AbortController().signal);
      expect(outcome).toEqual({ spokenSeconds: 0.5, interrupted: false });
    });

    it('fails without a speech engine', async () => {
      const connection = await connect(provider(), spec({ speech: undefined }));
      await expect(connection.speak({ taskId: 'task-1', text: 'hi' }, collector().emit, new AbortController().signal)).rejects.toMatchObject({ kind: 'rejected' });
    });

    it('fails with a timeout when the animation stalls', async () => {
      const connection = await connect(provider({ stallTimeoutMs: 150 }), spec());
      fake.playbackSpeed = 0.001; // the first response comes at once, the next in 40 s
      await expect(connection.speak({ taskId: 'task-1', text: 'hello' }, collector().emit, new AbortController().signal)).rejects.toMatchObject({ kind: 'timeout', retryable: true });
    });
  });

  describe('audio tasks', () => {
    it('streams the recorded audio at the session’s configured rate as audio inputs under one req_id, without synthesizing', async () => {
      const connection = await connect(provider({ sampleRate: 24000 }), spec());
      const { audio, asked, at } = recorded(0.5);
      const { events, emit } = collector();

      const outcome = await connection.speak({ taskId: 'task-a', text: '', audio }, emit, new AbortController().signal);

      expect(outcome).toEqual({ spokenSeconds: 0.5, interrupted: false });
      expect(asked).toEqual([24000]);
      expect(tts.requests).toEqual([]);
      expect(fake.messages(CONFIGURE)[0].configure!.sampleRate).toBe(24000);
      const inputs = fake.messages(AUDIO_INPUT);
      expect(new Set(inputs.map((m) => m.reqId)).size).toBe(1);
      expect(inputs[0].reqId).toMatch(/^task-a_[0-9a-f]{8}$/);
      expect(inputs.map((m) => m.end)).toEqual([...Array(inputs.length - 1).fill(false), true]);
      expect(inputs.slice(0, -1).every((m) => m.audioBytes === 7680)).toBe(true); // 160 ms at 24 kHz
      // The protobuf audio bytes on the wire are the resampled PCM, in order.
      const sent = Buffer.concat(inputs.map((m) => Buffer.from(decodeMessage(m.raw).clientAudioInput!.audio!)));
      expect(sent.equals(at(24000).pcm)).toBe(true);
      // The animation comes back as frames, the audio as audio events at the session rate.
      expect(frames(events)).toHaveLength(13);
      expect(audios(events).every((a) => a.sample_rate === 24000)).toBe(true);
      expect(Buffer.concat(audios(events).map((a) => Buffer.from(a.data, 'base64').subarray(44))).equals(at(24000).pcm)).toBe(true);
    });

    it('needs no speech engine in the session', async () => {
      const connection = await connect(provider(), spec({ speech: undefined }));
      const { audio, asked, at } = recorded(0.3);

      await expect(connection.speak({ taskId: 'task-a', text: '', audio }, collector().emit, new AbortController().signal)).resolves.toEqual({
        spokenSeconds: 0.3,
        interrupted: false,
      });
      expect(asked).toEqual([16000]);
      const sent = Buffer.concat(fake.messages(AUDIO_INPUT).map((m) => Buffer.from(decodeMessage(m.raw).clientAudioInput!.audio!)));
      expect(sent.equals(at(16000).pcm)).toBe(true);
    });

    it('refuses audio the resampler did not bring to the session rate, sending nothing', async () => {
      const connection = await connect(provider(), spec());
      const { audio } = recorded(0.3, { wrongRate: 48000 });

      await expect(connection.speak({ taskId: 'task-a', text: '', audio }, collector().emit, new AbortController().signal)).rejects.toMatchObject({
        kind: 'rejected',
        message: expect.stringContaining('48000 Hz'),
      });
      expect(fake.messages(AUDIO_INPUT)).toHaveLength(0);
    });

    it('has no listening state to set', async () => {
      const connection = await connect(provider(), spec());
      expect(connection.setListening).toBeUndefined();
    });
  });

  describe('losing the session', () => {
    it('rejects the utterance as a retryable connection failure and reports the loss once when the socket drops', async () => {
      fake.playbackSpeed = 5;
      const connection = await connect(provider(), spec());
      const lost: Error[] = [];
      connection.onLost!((e) => lost.push(e));
      const { events } = collector();
      const speaking = connection.speak(
        { taskId: 'task-1', text: 'a long enough sentence' },
        async (event) => {
          events.push(event);
          if (frames(events).length === 2) fake.dropWebSockets();
        },
        new AbortController().signal,
      );
      await expect(speaking).rejects.toMatchObject({ kind: 'connection', retryable: true });
      await until(() => lost.length > 0);
      expect(lost).toHaveLength(1);
      expect(lost[0]).toMatchObject({ kind: 'connection', provider: 'spatialwalk' });
      await expect(connection.speak({ taskId: 'task-2', text: 'hi' }, collector().emit, new AbortController().signal)).rejects.toMatchObject({ kind: 'connection' });
    });

    it('reports a session the vendor ended', async () => {
      const connection = await connect(provider(), spec());
      const lost: Error[] = [];
      connection.onLost!((e) => lost.push(e));
      fake.endSessions();
      await until(() => lost.length > 0);
      expect(lost[0]).toMatchObject({ kind: 'session_ended' });
    });

    it('treats an error naming no request as the end of the session, and closes the socket', async () => {
      const connection = await connect(provider(), spec());
      const lost: Error[] = [];
      connection.onLost!((e) => lost.push(e));
      fake.sendSessionError(16, 'session token expired');
      await until(() => lost.length > 0);
      expect(lost[0]).toMatchObject({ kind: 'auth', vendorStatus: 16 });
      await until(() => fake.openSessions === 0);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(lost).toHaveLength(1);
    });

    it('tells a listener that registers after the loss', async () => {
      const connection = await connect(provider(), spec());
      fake.dropWebSockets();
      await until(() => fake.openWebSockets === 0);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const lost = await Promise.race([new Promise<Error>((resolve) => connection.onLost!(resolve)), new Promise((resolve) => setTimeout(resolve, 1000))]);
      expect(lost).toMatchObject({ kind: 'connection' });
    });

    it('reports nothing after close(), which ends the vendor session', async () => {
      const connection = await connect(provider(), spec());
      const lost: Error[] = [];
      connection.onLost!((e) => lost.push(e));
      expect(fake.openSessions).toBe(1);
      await connection.close();
      await connection.close();
      expect(fake.openSessions).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(lost).toHaveLength(0);
      await expect(connection.speak({ taskId: 'task-1', text: 'hi' }, collector().emit, new AbortController().signal)).rejects.toMatchObject({ kind: 'session_ended' });
    });

    it('connects again after a loss, with the same started session', async () => {
      const p = provider();
      const started = await p.start(spec());
      const first = await connect(p, spec(), started);
      const lost = new Promise<Error>((resolve) => first.onLost!(resolve));
      fake.dropWebSockets();
      await lost;
      const second = (await connect(p, spec(), started)) as ProviderConnection & { connectionId: string };
      expect(second.connectionId).toBe('conn-2');
      expect(fake.calls('POST', '/v1/console/session-tokens')).toHaveLength(1);
      const outcome = await second.speak({ taskId: 'task-1', text: 'again' }, collector().emit, new AbortController().signal);
      expect(outcome).toEqual({ spokenSeconds: 0.5, interrupted: false });
      expect(fake.openSessions).toBe(1);
    });
  });

  it('stop has nothing to call and can be repeated', async () => {
    const p = provider();
    const started = await p.start(spec());
    const ref = { spec: spec(), providerSessionId: started.providerSessionId, state: started.state };
    await p.stop(ref, 'client_stop');
    await p.stop(ref, 'client_stop');
    expect(fake.requests).toHaveLength(1);
  });

  it('lists the configured avatars and no voices', async () => {
    expect(await provider().catalog()).toEqual({ avatars: [{ id: 'avatar-1', name: 'Ava' }], voices: [] });
  });

  it('is a stateful provider needing api_key and app_id, with no keep-alive', () => {
    const p = provider();
    expect([p.name, p.stateful, [...p.credentialFields], p.keepAliveIntervalMs, p.acceptsAudio]).toEqual(['spatialwalk', true, ['api_key', 'app_id'], 0, true]);
  });
});
