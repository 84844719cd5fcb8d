import { AvaturnFake } from '../../../testing/src/fakes/avaturn-fake';
import { ProviderSessionSpec } from '../avatar-provider';
import { ProviderError } from '../provider-error';
import { estimateSpeechSeconds } from '../local/viseme-track';
import { AvaturnProvider, AvaturnProviderOptions } from './avaturn-provider';
import { SpeechClock } from '../speech-clock';

const KEY = 'avaturn-test-key';
const noEmit = async () => {};

/** A clock that moves only when told (or when the provider sleeps through a whole wait). */
function manualClock() {
  let now = 1_700_000_000_000;
  const clock: SpeechClock & { advance(ms: number): void; slept: number[] } = {
    slept: [],
    now: () => now,
    advance: (ms) => void (now += ms),
    sleep: (ms, signal) => {
      clock.slept.push(ms);
      // An unaborted wait runs to its end at once; an aborted one ends where the test moved the clock.
      return new Promise<void>((resolve) => {
        if (signal.aborted) return resolve();
        const timer = setImmediate(() => ((now += ms), resolve()));
        signal.addEventListener('abort', () => (clearImmediate(timer), resolve()), { once: true });
      });
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

describe('AvaturnProvider against the Avaturn fake', () => {
  let fake: AvaturnFake;
  const avatars = [{ id: 'jane_20240829', name: 'Jane', preview_url: 'https://cdn.example/jane.png' }];
  const spec = (over: Partial<ProviderSessionSpec> = {}): ProviderSessionSpec => ({
    tenantId: 't1',
    sessionId: 's1',
    avatarId: 'jane_20240829',
    quality: 'medium',
    credentials: { api_key: KEY },
    ...over,
  });
  const provider = (over: Partial<AvaturnProviderOptions> = {}) =>
    new AvaturnProvider({ apiUrl: fake.url, avatars, rule: { attempts: 1, delayMs: 1, timeoutMs: 2000 }, clock: manualClock(), ...over });
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected a failure');
      },
      (err) => err as ProviderError,
    );

  beforeEach(async () => {
    fake = await new AvaturnFake({ apiKey: KEY, avatars: ['jane_20240829'] }).start();
  });
  afterEach(() => fake.stop());

  it('describes itself: stateless, one api_key, no keep-alive', () => {
    const p = provider();
    expect([p.name, p.stateful, p.credentialFields, p.keepAliveIntervalMs]).toEqual(['avaturn', false, ['api_key'], 0]);
  });

  it('speaks text only: refuses an audio task as rejected (not retryable) without calling Avaturn, and has no listening state', async () => {
    const p = provider();
    expect(p.acceptsAudio).toBe(false);
    const started = await p.start(spec());
    const connection = await p.connect({ spec: spec(), providerSessionId: started.providerSessionId });
    const audio = { pcm: Buffer.alloc(4800), sampleRate: 24_000, durationS: 0.1, at: (sampleRate: number) => ({ pcm: Buffer.alloc(sampleRate / 5), sampleRate, durationS: 0.1 }) };

    const err = await failure(connection.speak({ taskId: 't', text: '', audio }, noEmit, new AbortController().signal));

    expect(err).toBeInstanceOf(ProviderError);
    expect([err.kind, err.retryable, err.provider]).toEqual(['rejected', false, 'avaturn']);
    expect(err.message).toBe('avaturn speaks text only; audio tasks need an audio-driven provider (local, liveavatar, spatialwalk)');
    expect(fake.calls('POST', /\/tasks$/)).toHaveLength(0);
    expect(connection.setListening).toBeUndefined();
  });

  it('creates the session with the bearer key and the avatar, and returns the web SDK token', async () => {
    const started = await provider().start(spec());

    const [call] = fake.calls('POST', '/api/v1/sessions');
    expect(call.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(call.headers['content-type']).toBe('application/json');
    expect(call.body).toEqual({ avatar_id: 'jane_20240829' });
    const session = fake.sessions.get(started.providerSessionId)!;
    expect(started).toEqual({ providerSessionId: session.id, clientSession: { token: session.token } });
    expect(fake.openSessions).toBe(1);
  });

  it.each([
    { type: 'openai-realtime' as const, client_secret: 'ek_123' },
    { type: 'cartesia' as const, access_token: 'ct_456', agent_id: 'agent_7' },
  ])('passes the $type conversation engine through exactly', async (engine) => {
    await provider().start(spec({ conversationEngine: engine }));
    expect(fake.calls('POST', '/api/v1/sessions')[0].body).toEqual({ avatar_id: 'jane_20240829', conversation_engine: engine });
  });

  it('refuses an SDP offer before creating anything (the web SDK negotiates WebRTC itself)', async () => {
    const err = await failure(provider().start(spec({ sdpOffer: { type: 'offer', sdp: 'v=0' } })));
    expect(err.kind).toBe('rejected');
    expect(fake.requests).toHaveLength(0);
  });

  it('speaks by posting the text as a task, then waits as long as the text takes to say', async () => {
    const clock = manualClock();
    const p = provider({ clock, wordsPerMinute: 150 });
    const started = await p.start(spec());
    const connection = await p.connect({ spec: spec(), providerSessionId: started.providerSessionId });
    const text = 'Hello there, how are you today?';

    const outcome = await connection.speak({ taskId: 'task-1', text }, noEmit, new AbortController().signal);

    const [call] = fake.calls('POST', `/api/v1/sessions/${started.providerSessionId}/tasks`);
    expect(call.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(call.body).toEqual({ text });
    const expected = estimateSpeechSeconds(text, { wordsPerMinute: 150 });
    expect(expected).toBeGreaterThan(1);
    expect(clock.slept).toEqual([expected * 1000]);
    expect(outcome).toEqual({ spokenSeconds: expected, interrupted: false });
  });

  it('estimates faster speech for voice_settings.speed', async () => {
    const clock = manualClock();
    const p = provider({ clock, wordsPerMinute: 150 });
    const started = await p.start(spec());
    const connection = await p.connect({ spec: spec(), providerSessionId: started.providerSessionId });
    const outcome = await connection.speak({ taskId: 't', text: 'one two three four', voiceSettings: { speed: 2 } }, noEmit, new AbortController().signal);
    expect(outcome.spokenSeconds).toBeCloseTo(estimateSpeechSeconds('one two three four', { wordsPerMinute: 150 }) / 2, 6);
  });

  it('on interrupt stops waiting and reports what was spoken so far', async () => {
    const clock = stalledClock();
    const p = provider({ clock });
    const started = await p.start(spec());
    const connection = await p.connect({ spec: spec(), providerSessionId: started.providerSessionId });
    const abort = new AbortController();

    const speaking = connection.speak({ taskId: 't', text: 'a long sentence that takes a while to say' }, noEmit, abort.signal);
    await waitFor(() => clock.waiting === 1);
    expect(fake.calls('POST', /\/tasks$/)).toHaveLength(1);
    clock.advance(300);
    abort.abort();

    expect(await speaking).toEqual({ spokenSeconds: 0.3, interrupted: true });
  });

  it('does not send a task when already interrupted', async () => {
    const p = provider();
    const started = await p.start(spec());
    const connection = await p.connect({ spec: spec(), providerSessionId: started.providerSessionId });
    const abort = new AbortController();
    abort.abort();
    expect(await connection.speak({ taskId: 't', text: 'hi' }, noEmit, abort.signal)).toEqual({ spokenSeconds: 0, interrupted: true });
    expect(fake.calls('POST', /\/tasks$/)).toHaveLength(0);
  });

  it('stops with DELETE, and stopping an ended session is no error', async () => {
    const p = provider();
    const started = await p.start(spec());
    const ref = { spec: spec(), providerSessionId: started.providerSessionId };

    await p.stop(ref, 'client');
    await p.stop(ref, 'client');

    const deletes = fake.calls('DELETE', `/api/v1/sessions/${started.providerSessionId}`);
    expect(deletes).toHaveLength(2);
    expect(deletes[0].headers.authorization).toBe(`Bearer ${KEY}`);
    expect(fake.openSessions).toBe(0);
  });

  it('reports a session the vendor ended by itself as session_ended, once, to onLost', async () => {
    const p = provider();
    const started = await p.start(spec());
    const connection = await p.connect({ spec: spec(), providerSessionId: started.providerSessionId });
    const lost: Error[] = [];
    connection.onLost!((e) => lost.push(e));
    fake.endSession(started.providerSessionId);

    const first = await failure(connection.speak({ taskId: 't', text: 'hi' }, noEmit, new AbortController().signal));
    await failure(connection.speak({ taskId: 't2', text: 'hi' }, noEmit, new AbortController().signal));

    expect([first.kind, first.retryable, first.vendorStatus]).toEqual(['session_ended', false, 404]);
    expect(lost).toEqual([first]);
  });

  it('lists the configured avatars and no voices', async () => {
    expect(await provider().catalog({ api_key: KEY })).toEqual({ avatars, voices: [] });
  });

  describe('failures', () => {
    it('a refused key is auth, not retried', async () => {
      const err = await failure(provider({ rule: { attempts: 3, delayMs: 1, timeoutMs: 2000 } }).start(spec({ credentials: { api_key: 'wrong' } })));
      expect([err.kind, err.retryable, err.vendorStatus]).toEqual(['auth', false, 401]);
      expect(err.message).toContain('Invalid API key');
      expect(fake.requests).toHaveLength(1);
    });

    it('missing credentials are auth, without a call', async () => {
      const err = await failure(provider().start(spec({ credentials: {} })));
      expect(err.kind).toBe('auth');
      expect(fake.requests).toHaveLength(0);
    });

    it('an avatar that no longer exists (410) is unknown_avatar', async () => {
      const err = await failure(provider().start(spec({ avatarId: 'gone_avatar' })));
      expect([err.kind, err.vendorStatus]).toEqual(['unknown_avatar', 410]);
    });

    it('429 with Retry-After is rate_limited with the wait', async () => {
      fake.fault({ path: '/api/v1/sessions', answer: { status: 429, headers: { 'retry-after': '30' }, body: { detail: 'Too many requests' } } });
      const err = await failure(provider().start(spec()));
      expect([err.kind, err.retryable, err.retryAfterS]).toEqual(['rate_limited', true, 30]);
    });

    it('5xx is unavailable and retried per the rule', async () => {
      fake.fault({ path: '/api/v1/sessions', answer: { status: 503, body: { detail: 'down' } }, times: 2 });
      const started = await provider({ rule: { attempts: 3, delayMs: 1, timeoutMs: 2000 } }).start(spec());
      expect(started.providerSessionId).toBeTruthy();
      expect(fake.calls('POST', '/api/v1/sessions')).toHaveLength(3);

      fake.fault({ path: '/api/v1/sessions', answer: { status: 502 }, times: 1 });
      const err = await failure(provider().start(spec()));
      expect([err.kind, err.retryable, err.vendorStatus]).toEqual(['unavailable', true, 502]);
    });

    it('an answer slower than the timeout is timeout', async () => {
      fake.fault({ path: '/api/v1/sessions', delayMs: 500 });
      const err = await failure(provider({ rule: { attempts: 1, delayMs: 1, timeoutMs: 50 } }).start(spec()));
      expect([err.kind, err.retryable]).toEqual(['timeout', true]);
    });

    it('a dropped connection is connection', async () => {
      fake.fault({ path: '/api/v1/sessions', drop: true });
      const err = await failure(provider().start(spec()));
      expect([err.kind, err.retryable]).toEqual(['connection', true]);
    });
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!condition()) throw new Error('condition not met');
}
