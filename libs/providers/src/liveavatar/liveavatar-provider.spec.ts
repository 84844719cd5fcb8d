import type { SynthesisRequest, SynthesizedSpeech, TtsEngine } from '@avatar/tts';
import type { ProviderSessionRef, ProviderSessionSpec } from '../avatar-provider';
import { LIVEAVATAR_FAKE_API_KEY, LIVEAVATAR_FAKE_AVATAR_ID, LiveAvatarFake } from '../../../testing/src/fakes/liveavatar-fake';
import { LiveAvatarProvider, LiveAvatarProviderOptions } from './liveavatar-provider';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Half a second of silence at whatever rate is asked. */
const silence: TtsEngine = {
  name: 'silence',
  synthesize: async (request: SynthesisRequest): Promise<SynthesizedSpeech> => ({
    pcm: Buffer.alloc(request.sampleRate),
    sampleRate: request.sampleRate,
    durationS: 0.5,
  }),
};

const RULE = { attempts: 3, delayMs: 20, timeoutMs: 1000 };

describe('LiveAvatarProvider', () => {
  let fake: LiveAvatarFake;
  let provider: LiveAvatarProvider;
  const spec: ProviderSessionSpec = {
    tenantId: 't1',
    sessionId: 's1',
    avatarId: LIVEAVATAR_FAKE_AVATAR_ID,
    quality: 'high',
    credentials: { api_key: LIVEAVATAR_FAKE_API_KEY },
    speech: silence,
  };

  function make(options: Partial<LiveAvatarProviderOptions> = {}): LiveAvatarProvider {
    return new LiveAvatarProvider({ apiUrl: fake.url, rule: RULE, ...options });
  }

  beforeEach(async () => {
    fake = await new LiveAvatarFake({ playbackSpeed: 20 }).start();
    provider = make();
  });

  afterEach(() => fake.stop());

  it('is the stateful liveavatar provider, keyed by api_key, kept alive every 60 s', () => {
    expect(provider).toMatchObject({ name: 'liveavatar', stateful: true, acceptsAudio: true, credentialFields: ['api_key'], keepAliveIntervalMs: 60_000 });
    expect(make({ keepAliveIntervalMs: 5000 }).keepAliveIntervalMs).toBe(5000);
  });

  it('starts a CUSTOM session in a room the vendor makes, and keeps what another worker needs to reach it', async () => {
    const started = await provider.start(spec);

    const session = fake.session;
    expect(fake.calls('POST', '/v1/sessions/token')[0].body).toEqual({
      mode: 'CUSTOM',
      avatar_id: LIVEAVATAR_FAKE_AVATAR_ID,
      is_sandbox: false,
      video_settings: { quality: 'high', encoding: 'VP8' },
    });
    expect(started.providerSessionId).toBe(session.id);
    expect(started.state).toEqual({ session_token: session.token, ws_url: expect.stringContaining(`session_id=${session.id}`) });
    expect(started.clientSession).toEqual({ livekit_url: 'wss://livekit.fake-liveavatar.invalid', livekit_client_token: `lk-client-${session.id}` });
    expect(fake.openSessions).toBe(1);
  });

  it('sends the LITE name and sandbox when configured, and no video settings for a quality the vendor lacks', async () => {
    await make({ mode: 'LITE', sandbox: true }).start({ ...spec, quality: 'ultra' });

    expect(fake.calls('POST', '/v1/sessions/token')[0].body).toEqual({ mode: 'LITE', avatar_id: LIVEAVATAR_FAKE_AVATAR_ID, is_sandbox: true });
  });

  it('needs an api_key', async () => {
    await expect(provider.start({ ...spec, credentials: {} })).rejects.toMatchObject({ kind: 'auth', retryable: false });
    expect(fake.requests).toEqual([]);
  });

  it('stops the vendor session when start fails after the token was issued', async () => {
    fake.fault({ path: '/v1/sessions/start', answer: { status: 500, body: { message: 'boom' } }, times: 3 });

    await expect(provider.start(spec)).rejects.toMatchObject({ kind: 'unavailable' });

    expect(fake.calls('POST', '/v1/sessions/start')).toHaveLength(3);
    const [stop] = fake.calls('POST', '/v1/sessions/stop');
    expect(stop.headers.authorization).toBe(`Bearer ${fake.session.token}`);
    expect(stop.body).toEqual({ session_id: fake.session.id, reason: 'USER_DISCONNECTED' });
    expect(fake.session.state).toBe('stopped');
  });

  it('leaves no session running when the vendor started it but its answers never came back', async () => {
    fake.fault({ path: '/v1/sessions/start', delayMs: 150, times: 3 });
    const impatient = make({ rule: { attempts: 3, delayMs: 10, timeoutMs: 50 } });

    await expect(impatient.start(spec)).rejects.toMatchObject({ kind: 'timeout' });
    await wait(300); // the vendor has handled every delayed start by now

    expect(fake.calls('POST', '/v1/sessions/stop')).toHaveLength(1);
    expect(fake.openSessions).toBe(0);
  });

  it('connects to the started session by its state from any provider instance, speaks, and stops idempotently', async () => {
    const started = await provider.start(spec);
    const ref: ProviderSessionRef = { spec, providerSessionId: started.providerSessionId, state: started.state };

    const connection = await make().connect(ref);
    const outcome = await connection.speak({ taskId: 'task-1', text: 'hi' }, async () => undefined, new AbortController().signal);
    await connection.close();
    await provider.stop(ref, 'client_stop');
    await provider.stop(ref, 'client_stop');

    expect(outcome).toEqual({ spokenSeconds: 0.5, interrupted: false });
    expect(fake.calls('POST', '/v1/sessions/stop').map((c) => c.body)).toEqual([
      { session_id: started.providerSessionId, reason: 'USER_CLOSED' },
      { session_id: started.providerSessionId, reason: 'USER_CLOSED' },
    ]);
    expect(fake.calls('POST', '/v1/sessions/stop')[0].headers.authorization).toBe(`Bearer ${started.state!.session_token}`);
    expect(fake.session).toMatchObject({ state: 'stopped', stopReason: 'USER_CLOSED' });
    expect(fake.openSessions).toBe(0);
  });

  it('stops by the account key when the session state is missing', async () => {
    const started = await provider.start(spec);

    await provider.stop({ spec, providerSessionId: started.providerSessionId }, 'idle_timeout');

    const [stop] = fake.calls('POST', '/v1/sessions/stop');
    expect(stop.headers['x-api-key']).toBe(LIVEAVATAR_FAKE_API_KEY);
    expect(stop.body).toEqual({ session_id: started.providerSessionId, reason: 'IDLE_TIMEOUT' });
    expect(fake.openSessions).toBe(0);
  });

  it('tries a failing stop again by the retry rule', async () => {
    const started = await provider.start(spec);
    fake.fault({ path: '/v1/sessions/stop', answer: { status: 502 }, times: 2 });

    await provider.stop({ spec, providerSessionId: started.providerSessionId, state: started.state }, 'client_stop');

    expect(fake.calls('POST', '/v1/sessions/stop')).toHaveLength(3);
    expect(fake.openSessions).toBe(0);
  });

  it('cannot connect to a session without a ws_url', async () => {
    await expect(provider.connect({ spec, providerSessionId: 'x', state: { session_token: 't' } })).rejects.toMatchObject({ kind: 'rejected' });
  });

  it('lists the vendor’s avatars as the catalog, and no voices (speech is the TTS engine’s)', async () => {
    const catalog = await provider.catalog({ api_key: LIVEAVATAR_FAKE_API_KEY });

    expect(catalog).toEqual({
      avatars: [{ id: LIVEAVATAR_FAKE_AVATAR_ID, name: 'Fake Anna', preview_url: 'https://cdn.example/anna.png' }],
      voices: [],
    });
    await expect(provider.catalog({ api_key: 'wrong' })).rejects.toMatchObject({ kind: 'auth' });
  });
});
