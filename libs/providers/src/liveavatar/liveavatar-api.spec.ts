import { ProviderError } from '../provider-error';
import { LIVEAVATAR_FAKE_API_KEY, LIVEAVATAR_FAKE_AVATAR_ID, LiveAvatarFake } from '../../../testing/src/fakes/liveavatar-fake';
import { LiveAvatarApi } from './liveavatar-api';

const RULE = { attempts: 3, delayMs: 40, timeoutMs: 500 };
const TOKEN_BODY = { mode: 'CUSTOM', avatar_id: LIVEAVATAR_FAKE_AVATAR_ID };

describe('LiveAvatarApi', () => {
  let fake: LiveAvatarFake;
  let api: LiveAvatarApi;

  beforeEach(async () => {
    fake = await new LiveAvatarFake({
      userAvatars: Array.from({ length: 150 }, (_, i) => ({ id: `own-${i}`, name: `Own ${i}` })),
    }).start();
    api = new LiveAvatarApi({ apiUrl: `${fake.url}/`, rule: RULE });
  });

  afterEach(() => fake.stop());

  it('asks for a session token with the account key, as the reference plugin does', async () => {
    const token = await api.createSessionToken(LIVEAVATAR_FAKE_API_KEY, TOKEN_BODY);

    expect(token).toEqual({ session_id: fake.session.id, session_token: fake.session.token });
    const [call] = fake.calls('POST', '/v1/sessions/token');
    expect(call.headers).toMatchObject({ 'x-api-key': LIVEAVATAR_FAKE_API_KEY, accept: 'application/json', 'content-type': 'application/json' });
    expect(call.headers.authorization).toBeUndefined();
    expect(call.body).toEqual(TOKEN_BODY);
  });

  it('starts the session with its own token as Bearer and {session_id}', async () => {
    const token = await api.createSessionToken(LIVEAVATAR_FAKE_API_KEY, TOKEN_BODY);
    const started = await api.startSession(token.session_id, token.session_token);

    expect(started.ws_url).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:\\d+/v1/ws\\?session_id=${token.session_id}&token=`));
    expect(started.livekit_client_token).toBe(`lk-client-${token.session_id}`);
    const [call] = fake.calls('POST', '/v1/sessions/start');
    expect(call.headers).toMatchObject({ authorization: `Bearer ${token.session_token}`, 'content-type': 'application/json' });
    expect(call.headers['x-api-key']).toBeUndefined();
    expect(call.body).toEqual({ session_id: token.session_id });
    expect(fake.openSessions).toBe(1);
  });

  it('stops with {session_id, reason} by the session token, or by the account key; stopping again is no error', async () => {
    const token = await api.createSessionToken(LIVEAVATAR_FAKE_API_KEY, TOKEN_BODY);
    await api.startSession(token.session_id, token.session_token);

    await expect(api.stopSession(token.session_id, { sessionToken: token.session_token }, 'USER_CLOSED')).resolves.toBe('stopped');
    await expect(api.stopSession(token.session_id, { sessionToken: token.session_token }, 'USER_CLOSED')).resolves.toBe('already_stopped');
    await expect(api.stopSession(token.session_id, { apiKey: LIVEAVATAR_FAKE_API_KEY }, 'IDLE_TIMEOUT')).resolves.toBe('already_stopped');

    const [first, , byKey] = fake.calls('POST', '/v1/sessions/stop');
    expect(first.headers.authorization).toBe(`Bearer ${token.session_token}`);
    expect(first.body).toEqual({ session_id: token.session_id, reason: 'USER_CLOSED' });
    expect(byKey.headers['x-api-key']).toBe(LIVEAVATAR_FAKE_API_KEY);
    expect(byKey.headers.authorization).toBeUndefined();
    expect(fake.session).toMatchObject({ state: 'stopped', stopReason: 'USER_CLOSED' });
    expect(fake.openSessions).toBe(0);
  });

  it('takes a session the vendor no longer knows as stopped, but not a refused token', async () => {
    await expect(api.stopSession('00000000-0000-4000-8000-000000000000', { apiKey: LIVEAVATAR_FAKE_API_KEY }, 'USER_CLOSED')).resolves.toBe('already_stopped');
    await expect(api.stopSession('x', { sessionToken: 'not-a-token' }, 'USER_CLOSED')).rejects.toMatchObject({ kind: 'auth' });
  });

  it('tries a failing call 3 times, delayMs apart, when the failure can pass', async () => {
    fake.fault({ path: '/v1/sessions/token', answer: { status: 503, body: { message: 'busy' } }, times: 2 });

    await api.createSessionToken(LIVEAVATAR_FAKE_API_KEY, TOKEN_BODY);

    const calls = fake.calls('POST', '/v1/sessions/token');
    expect(calls).toHaveLength(3);
    expect(calls[1].at - calls[0].at).toBeGreaterThanOrEqual(RULE.delayMs - 5);
    expect(calls[2].at - calls[1].at).toBeGreaterThanOrEqual(RULE.delayMs - 5);
  });

  it('gives up after the third try of a timed-out call', async () => {
    fake.fault({ path: '/v1/sessions/token', delayMs: 200, times: 3 });
    const quick = new LiveAvatarApi({ apiUrl: fake.url, rule: { attempts: 3, delayMs: 10, timeoutMs: 50 } });

    await expect(quick.createSessionToken(LIVEAVATAR_FAKE_API_KEY, TOKEN_BODY)).rejects.toMatchObject({ kind: 'timeout', retryable: true });
    expect(fake.calls('POST', '/v1/sessions/token')).toHaveLength(3);
  });

  it('does not try again what cannot pass: a refused key, an unknown avatar', async () => {
    await expect(api.createSessionToken('wrong-key', TOKEN_BODY)).rejects.toMatchObject({ kind: 'auth', retryable: false, vendorStatus: 401 });
    await expect(api.createSessionToken(LIVEAVATAR_FAKE_API_KEY, { ...TOKEN_BODY, avatar_id: 'nobody' })).rejects.toMatchObject({ kind: 'unknown_avatar' });
    expect(fake.calls('POST', '/v1/sessions/token')).toHaveLength(2);
  });

  it('maps the vendor’s words to the failure kinds', async () => {
    fake.fault({ path: '/v1/sessions/token', answer: { status: 400, body: { code: 400, message: 'Concurrent session limit reached' } } });
    fake.fault({ path: '/v1/sessions/token', answer: { status: 403, body: { code: 403, message: 'Insufficient credits' } } });
    fake.fault({ path: '/v1/sessions/token', answer: { status: 200, body: { code: 100, data: null, message: 'ok?' } } });

    await expect(api.createSessionToken(LIVEAVATAR_FAKE_API_KEY, TOKEN_BODY)).rejects.toMatchObject({ kind: 'concurrency_limit', retryable: false });
    await expect(api.createSessionToken(LIVEAVATAR_FAKE_API_KEY, TOKEN_BODY)).rejects.toMatchObject({ kind: 'quota' });
    const malformed = await api.createSessionToken(LIVEAVATAR_FAKE_API_KEY, TOKEN_BODY).catch((e: unknown) => e);
    expect(malformed).toBeInstanceOf(ProviderError);
    expect(malformed).toMatchObject({ kind: 'rejected', message: expect.stringContaining('without session_id') });
  });

  it('lists the account’s avatars page by page, then the public ones', async () => {
    const avatars = await api.listAvatars(LIVEAVATAR_FAKE_API_KEY);

    expect(avatars).toHaveLength(151);
    expect(avatars[0]).toEqual({ id: 'own-0', name: 'Own 0' });
    expect(avatars[150]).toMatchObject({ id: LIVEAVATAR_FAKE_AVATAR_ID, preview_url: 'https://cdn.example/anna.png' });
    expect(fake.calls('GET', '/v1/avatars').map((c) => c.query)).toEqual([
      { page: '1', page_size: '100' },
      { page: '2', page_size: '100' },
    ]);
    expect(fake.calls('GET', '/v1/avatars')[0].headers['x-api-key']).toBe(LIVEAVATAR_FAKE_API_KEY);
  });
});
