import { HeygenFake } from '../../../testing/src/fakes/heygen-fake';
import { ProviderSessionSpec } from '../avatar-provider';
import { ProviderError } from '../provider-error';
import { estimateSpeechSeconds } from '../local/viseme-track';
import { SpeechClock } from '../speech-clock';
import { HeygenProvider, HeygenProviderOptions } from './heygen-provider';

const KEY = 'heygen-test-key';
const noEmit = async () => {};

/** Waits finish at once (the clock jumps by the wait); `slept` records each wait. */
function jumpingClock() {
  let now = 1_700_000_000_000;
  const clock: SpeechClock & { slept: number[] } = {
    slept: [],
    now: () => now,
    sleep: async (ms) => {
      clock.slept.push(ms);
      now += ms;
    },
  };
  return clock;
}

/** Waits last until aborted; the test moves the clock. `waiting` counts waits begun. */
function stalledClock() {
  let now = 1_700_000_000_000;
  const clock = {
    waiting: 0,
    now: () => now,
    advance: (ms: number) => void (now += ms),
    sleep: (_ms: number, signal: AbortSignal) => {
      clock.waiting++;
      return new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
    },
  };
  return clock;
}

const AVATARS = [
  { avatar_id: 'Wayne_20240711', pose_name: 'Wayne', normal_preview: 'https://cdn.example/wayne.webp', status: 'ACTIVE', is_public: true },
  { avatar_id: 'custom_1', status: 'ACTIVE', is_public: false },
  { avatar_id: 'training_2', pose_name: 'Still training', status: 'PENDING', is_public: false },
];
const VOICES = [
  { voice_id: 'v-en-1', name: 'Ann', language: 'English', gender: 'female', preview_audio: 'https://cdn.example/ann.mp3' },
  { voice_id: 'v-de-2', name: 'Bernd', language: 'German', gender: 'male', preview_audio: '' },
];

describe('HeygenProvider against the HeyGen fake', () => {
  let fake: HeygenFake;
  const spec = (over: Partial<ProviderSessionSpec> = {}): ProviderSessionSpec => ({
    tenantId: 't1',
    sessionId: 's1',
    avatarId: 'Wayne_20240711',
    voiceId: 'v-en-1',
    quality: 'medium',
    credentials: { api_key: KEY },
    ...over,
  });
  const provider = (over: Partial<HeygenProviderOptions> = {}) =>
    new HeygenProvider({ apiUrl: fake.url, rule: { attempts: 1, delayMs: 1, timeoutMs: 2000 }, clock: jumpingClock(), ...over });
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected a failure');
      },
      (err) => err as ProviderError,
    );
  const started = async (p: HeygenProvider, over: Partial<ProviderSessionSpec> = {}) => {
    const s = await p.start(spec(over));
    return { ref: { spec: spec(over), providerSessionId: s.providerSessionId }, connection: await p.connect({ spec: spec(over), providerSessionId: s.providerSessionId }) };
  };

  beforeEach(async () => {
    fake = await new HeygenFake({ apiKey: KEY, avatars: AVATARS, voices: VOICES, msPerWord: 400 }).start();
  });
  afterEach(() => fake.stop());

  it('describes itself: stateless, one api_key, keep-alive every minute', () => {
    const p = provider();
    expect([p.name, p.stateful, p.credentialFields, p.keepAliveIntervalMs]).toEqual(['heygen', false, ['api_key'], 60_000]);
  });

  it('speaks text only: refuses an audio task as rejected (not retryable) without calling HeyGen', async () => {
    const p = provider();
    expect(p.acceptsAudio).toBe(false);
    const { connection } = await started(p);
    const audio = { pcm: Buffer.alloc(4800), sampleRate: 24_000, durationS: 0.1, at: (sampleRate: number) => ({ pcm: Buffer.alloc(sampleRate / 5), sampleRate, durationS: 0.1 }) };

    const err = await failure(connection.speak({ taskId: 't', text: '', audio }, noEmit, new AbortController().signal));

    expect(err).toBeInstanceOf(ProviderError);
    expect([err.kind, err.retryable, err.provider]).toEqual(['rejected', false, 'heygen']);
    expect(err.message).toBe('heygen speaks text only; audio tasks need an audio-driven provider (local, liveavatar, spatialwalk)');
    expect(fake.calls('POST', '/v1/streaming.task')).toHaveLength(0);
  });

  it('sets the listening state with streaming.start_listening / streaming.stop_listening', async () => {
    const p = provider();
    const { ref, connection } = await started(p);

    await connection.setListening!(true);
    expect(fake.sessions.get(ref.providerSessionId)!.listening).toBe(true);
    await connection.setListening!(false);
    expect(fake.sessions.get(ref.providerSessionId)!.listening).toBe(false);

    const calls = [...fake.calls('POST', '/v1/streaming.start_listening'), ...fake.calls('POST', '/v1/streaming.stop_listening')];
    expect(calls.map((c) => [c.path, c.body, c.headers['x-api-key']])).toEqual([
      ['/v1/streaming.start_listening', { session_id: ref.providerSessionId }, KEY],
      ['/v1/streaming.stop_listening', { session_id: ref.providerSessionId }, KEY],
    ]);
  });

  it('reports a session HeyGen ended as session_ended when setting the listening state', async () => {
    const p = provider();
    const { ref, connection } = await started(p);
    const lost: Error[] = [];
    connection.onLost!((e) => lost.push(e));
    fake.endSession(ref.providerSessionId);

    const err = await failure(connection.setListening!(true));
    expect(err.kind).toBe('session_ended');
    expect(lost).toEqual([err]);
  });

  it('creates a v2 (LiveKit) session, starts it, and returns the room URL and token for the client', async () => {
    const result = await provider().start(spec());

    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /v1/streaming.new', 'POST /v1/streaming.start']);
    const [create, start] = fake.requests;
    expect(create.headers['x-api-key']).toBe(KEY);
    expect(create.headers.authorization).toBeUndefined();
    expect(create.headers['content-type']).toBe('application/json');
    expect(create.body).toEqual({ quality: 'medium', avatar_id: 'Wayne_20240711', voice: { voice_id: 'v-en-1' }, version: 'v2', video_encoding: 'H264' });
    const session = fake.sessions.get(result.providerSessionId)!;
    expect(start.body).toEqual({ session_id: session.id });
    expect(start.headers['x-api-key']).toBe(KEY);
    expect(result).toEqual({ providerSessionId: session.id, clientSession: { url: 'wss://heygen-fake.livekit.cloud', access_token: session.accessToken } });
    expect(session.state).toBe('started');
  });

  it('leaves the voice to the avatar when none is asked for', async () => {
    await provider().start(spec({ voiceId: undefined }));
    expect(fake.calls('POST', '/v1/streaming.new')[0].body).not.toHaveProperty('voice');
  });

  it('refuses an SDP offer before creating anything (HeyGen answers no client offer)', async () => {
    const err = await failure(provider().start(spec({ sdpOffer: { type: 'offer', sdp: 'v=0' } })));
    expect(err.kind).toBe('rejected');
    expect(fake.requests).toHaveLength(0);
  });

  it('stops the created session when it cannot be started, so it does not count against the account', async () => {
    fake.fault({ path: '/v1/streaming.start', answer: { status: 500, body: { code: 500, message: 'boom' } } });
    const err = await failure(provider().start(spec()));
    expect(err.kind).toBe('unavailable');
    expect(fake.calls('POST', '/v1/streaming.stop')).toHaveLength(1);
    expect(fake.openSessions).toBe(0);
  });

  it('speaks a repeat task and waits the duration HeyGen gives', async () => {
    const clock = jumpingClock();
    const p = provider({ clock });
    const { ref, connection } = await started(p);

    const outcome = await connection.speak({ taskId: 'task-1', text: 'one two three four five' }, noEmit, new AbortController().signal);

    const [task] = fake.calls('POST', '/v1/streaming.task');
    expect(task.headers['x-api-key']).toBe(KEY);
    expect(task.body).toEqual({ session_id: ref.providerSessionId, text: 'one two three four five', task_type: 'repeat', task_mode: 'sync' });
    expect(clock.slept).toEqual([2000]);
    expect(outcome).toEqual({ spokenSeconds: 2, interrupted: false });
  });

  it('estimates the wait when HeyGen gives no duration', async () => {
    const clock = jumpingClock();
    const p = provider({ clock, wordsPerMinute: 150 });
    const { connection } = await started(p);
    fake.fault({ path: '/v1/streaming.task', answer: { status: 200, body: { code: 100, message: 'success', data: { task_id: 'x' } } } });

    const outcome = await connection.speak({ taskId: 't', text: 'hello there world' }, noEmit, new AbortController().signal);
    expect(outcome.spokenSeconds).toBe(estimateSpeechSeconds('hello there world', { wordsPerMinute: 150 }));
  });

  it('on interrupt during the speech tells HeyGen to stop and reports the time spoken', async () => {
    const clock = stalledClock();
    const p = provider({ clock });
    const { ref, connection } = await started(p);
    const abort = new AbortController();

    const speaking = connection.speak({ taskId: 't', text: 'a long sentence to say' }, noEmit, abort.signal);
    await waitFor(() => clock.waiting === 1);
    clock.advance(700);
    abort.abort();

    expect(await speaking).toEqual({ spokenSeconds: 0.7, interrupted: true });
    const interrupts = fake.calls('POST', '/v1/streaming.interrupt');
    expect(interrupts.map((r) => [r.body, r.headers['x-api-key']])).toEqual([[{ session_id: ref.providerSessionId }, KEY]]);
    expect(fake.sessions.get(ref.providerSessionId)!.interrupts).toBe(1);
  });

  it('on interrupt while the task is still being sent, interrupts too (HeyGen may have taken it)', async () => {
    const p = provider({ clock: stalledClock() });
    const { connection } = await started(p);
    fake.fault({ path: '/v1/streaming.task', delayMs: 300 });
    const abort = new AbortController();

    const speaking = connection.speak({ taskId: 't', text: 'hi' }, noEmit, abort.signal);
    await waitFor(() => fake.calls('POST', '/v1/streaming.task').length === 1);
    abort.abort();

    expect(await speaking).toEqual({ spokenSeconds: 0, interrupted: true });
    expect(fake.calls('POST', '/v1/streaming.interrupt')).toHaveLength(1);
  });

  it('keeps the session alive with streaming.keep_alive', async () => {
    const p = provider();
    const { ref, connection } = await started(p);
    await connection.keepAlive();
    const [call] = fake.calls('POST', '/v1/streaming.keep_alive');
    expect([call.body, call.headers['x-api-key']]).toEqual([{ session_id: ref.providerSessionId }, KEY]);
    expect(fake.sessions.get(ref.providerSessionId)!.keepAlives).toBe(1);
  });

  it('stops with streaming.stop, and stopping a stopped session is no error', async () => {
    const p = provider();
    const { ref } = await started(p);
    await p.stop(ref, 'client');
    await p.stop(ref, 'client');
    expect(fake.calls('POST', '/v1/streaming.stop').map((r) => r.body)).toEqual([{ session_id: ref.providerSessionId }, { session_id: ref.providerSessionId }]);
    expect(fake.openSessions).toBe(0);
  });

  it('stopping a session HeyGen ended by itself is no error', async () => {
    const p = provider();
    const { ref } = await started(p);
    fake.endSession(ref.providerSessionId);
    await expect(p.stop(ref, 'reaper')).resolves.toBeUndefined();
  });

  it('reports a session HeyGen ended by itself as session_ended, once, to onLost', async () => {
    const p = provider();
    const { ref, connection } = await started(p);
    const lost: Error[] = [];
    connection.onLost!((e) => lost.push(e));
    fake.endSession(ref.providerSessionId);

    const speakErr = await failure(connection.speak({ taskId: 't', text: 'hi' }, noEmit, new AbortController().signal));
    const keepAliveErr = await failure(connection.keepAlive());

    expect([speakErr.kind, speakErr.retryable, speakErr.vendorStatus]).toEqual(['session_ended', false, 400]);
    expect(keepAliveErr.kind).toBe('session_ended');
    expect(lost).toEqual([speakErr]);
  });

  it('maps 400006 (a task on a session that is not started) to session_ended', async () => {
    const created = await fetch(`${fake.url}/v1/streaming.new`, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ avatar_id: 'Wayne_20240711' }),
    }).then((r) => r.json() as Promise<{ data: { session_id: string } }>);
    const connection = await provider().connect({ spec: spec(), providerSessionId: created.data.session_id });

    const err = await failure(connection.speak({ taskId: 't', text: 'hi' }, noEmit, new AbortController().signal));
    expect(err.kind).toBe('session_ended');
    expect(err.message).toContain('Session is not in correct state');
  });

  it('does not report loss after close', async () => {
    const p = provider();
    const { ref, connection } = await started(p);
    const lost: Error[] = [];
    connection.onLost!((e) => lost.push(e));
    await connection.close();
    fake.endSession(ref.providerSessionId);
    await failure(connection.keepAlive());
    expect(lost).toEqual([]);
  });

  it('lists interactive avatars and voices for the catalog', async () => {
    const catalog = await provider().catalog({ api_key: KEY });
    expect(catalog).toEqual({
      avatars: [
        { id: 'Wayne_20240711', name: 'Wayne', preview_url: 'https://cdn.example/wayne.webp' },
        { id: 'custom_1', name: 'custom_1' },
      ],
      voices: [
        { id: 'v-en-1', name: 'Ann', language: 'English', gender: 'female', preview_url: 'https://cdn.example/ann.mp3' },
        { id: 'v-de-2', name: 'Bernd', language: 'German', gender: 'male' },
      ],
    });
    expect(fake.calls('GET', '/v1/streaming/avatar.list')[0].headers['x-api-key']).toBe(KEY);
    expect(fake.calls('GET', '/v2/voices')[0].headers['x-api-key']).toBe(KEY);
  });

  it('lists the open sessions at HeyGen (for leak checks)', async () => {
    const p = provider();
    const { ref } = await started(p);
    expect(await p.list({ api_key: KEY })).toEqual([expect.objectContaining({ session_id: ref.providerSessionId, status: 'connected' })]);
    await p.stop(ref, 'client');
    expect(await p.list({ api_key: KEY })).toEqual([]);
  });

  describe('failures', () => {
    it('a refused key is auth, not retried', async () => {
      const err = await failure(provider({ rule: { attempts: 3, delayMs: 1, timeoutMs: 2000 } }).start(spec({ credentials: { api_key: 'wrong' } })));
      expect([err.kind, err.retryable, err.vendorStatus]).toEqual(['auth', false, 401]);
      expect(fake.requests).toHaveLength(1);
    });

    it('an unknown avatar is unknown_avatar', async () => {
      const err = await failure(provider().start(spec({ avatarId: 'nobody' })));
      expect([err.kind, err.retryable]).toEqual(['unknown_avatar', false]);
    });

    it('the account at its concurrency limit is concurrency_limit', async () => {
      await fake.stop();
      fake = await new HeygenFake({ apiKey: KEY, maxSessions: 1 }).start();
      await provider().start(spec());
      const err = await failure(provider().start(spec()));
      expect([err.kind, err.retryable, err.failsOver]).toEqual(['concurrency_limit', false, true]);
    });

    it('a used-up trial is quota', async () => {
      fake.fault({ path: '/v1/streaming.new', answer: { status: 400, body: { code: 10015, message: 'Trial API limit reached' } } });
      expect((await failure(provider().start(spec()))).kind).toBe('quota');
    });

    it('429 with Retry-After is rate_limited with the wait', async () => {
      fake.fault({ path: '/v1/streaming.new', answer: { status: 429, headers: { 'retry-after': '7' }, body: { code: 400123, message: 'Exceed rate limit' } } });
      const err = await failure(provider().start(spec()));
      expect([err.kind, err.retryable, err.retryAfterS]).toEqual(['rate_limited', true, 7]);
    });

    it('5xx is unavailable and retried per the rule', async () => {
      fake.fault({ path: '/v1/streaming.task', answer: { status: 503 }, times: 2 });
      const p = provider({ rule: { attempts: 3, delayMs: 1, timeoutMs: 2000 } });
      const { connection } = await started(p);
      await connection.speak({ taskId: 't', text: 'hi' }, noEmit, new AbortController().signal);
      expect(fake.calls('POST', '/v1/streaming.task')).toHaveLength(3);

      fake.fault({ path: '/v1/streaming.keep_alive', answer: { status: 502 } });
      const err = await failure((await provider().connect({ spec: spec(), providerSessionId: 'x' })).keepAlive());
      expect([err.kind, err.retryable, err.vendorStatus]).toEqual(['unavailable', true, 502]);
    });

    it('an answer slower than the timeout is timeout', async () => {
      fake.fault({ path: '/v1/streaming.new', delayMs: 500 });
      const err = await failure(provider({ rule: { attempts: 1, delayMs: 1, timeoutMs: 50 } }).start(spec()));
      expect([err.kind, err.retryable]).toEqual(['timeout', true]);
    });

    it('a dropped connection is connection', async () => {
      fake.fault({ path: '/v1/streaming.new', drop: true });
      const err = await failure(provider().start(spec()));
      expect([err.kind, err.retryable]).toEqual(['connection', true]);
    });

    it('an unknown error code in a 200 answer is rejected', async () => {
      fake.fault({ path: '/v1/streaming.new', answer: { status: 200, body: { code: 40001, message: 'Invalid parameter' } } });
      const err = await failure(provider().start(spec()));
      expect([err.kind, err.message.includes('Invalid parameter')]).toEqual(['rejected', true]);
    });
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!condition()) throw new Error('condition not met');
}
