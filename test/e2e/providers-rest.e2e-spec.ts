import { apiClient, ApiClient, openSocket, sessionSocketUrl } from '../support/clients';
import { createTenant, Platform, startPlatform, TEST_ADMIN_TOKEN, TestTenant } from '../support/platform';
import { AvaturnFake } from '../../libs/testing/src/fakes/avaturn-fake';
import { HeygenFake } from '../../libs/testing/src/fakes/heygen-fake';

/**
 * The REST vendors through the whole platform (real gateway, worker, notifier; the
 * vendors are local fakes speaking their wire format): credentials from the tenant
 * (admin API) or the platform, the exact vendor calls a session makes, typed vendor
 * errors in the envelope, failover at start, keep-alive, and the one catalog.
 */
describe('REST vendors through the platform (Avaturn, HeyGen)', () => {
  let platform: Platform;
  let heygen: HeygenFake;
  let avaturn: AvaturnFake;
  let admin: ApiClient;

  beforeAll(async () => {
    heygen = await new HeygenFake({
      avatars: [{ avatar_id: 'Anna_public', pose_name: 'Anna', normal_preview: 'https://img.example/anna.png', status: 'ACTIVE' }],
      voices: [{ voice_id: 'v-en-1', name: 'Emma', language: 'English', gender: 'female' }],
      msPerWord: 40,
    }).start();
    avaturn = await new AvaturnFake().start();
    platform = await startPlatform({
      env: {
        HEYGEN_API_URL: heygen.url,
        AVATURN_API_URL: avaturn.url,
        // Avaturn's key is the platform's; HeyGen's comes from each tenant (admin API).
        AVATURN_API_KEY: avaturn.apiKey,
        AVATURN_AVATARS: JSON.stringify([{ id: 'avaturn-anna', name: 'Anna (Avaturn)' }]),
        KEEPALIVE_SWEEP_MS: '300',
        CATALOG_CACHE_SECONDS: '1',
      },
    });
    admin = apiClient(`${platform.apiUrl}/admin/v1`, TEST_ADMIN_TOKEN);
    await storeHeygenKey(platform.tenants.a, heygen.apiKey);
  });
  afterAll(async () => {
    await platform?.stop();
    await Promise.all([heygen?.stop(), avaturn?.stop()]);
  });
  afterEach(() => {
    heygen.clearFaults();
    avaturn.clearFaults();
  });

  async function storeHeygenKey(tenant: TestTenant, key: string) {
    const put = await admin.request('PUT', `/tenants/${tenant.id}/credentials/heygen`, { api_key: key });
    expect(put.status).toBe(200);
  }

  async function newSession(api: ApiClient, body: Record<string, unknown>) {
    const created = await api.post('/v1/streaming.new', body);
    expect(created.status).toBe(200);
    return created.body as { session_id: string; access_token: string };
  }

  it("drives a HeyGen session with the tenant's key: new+start, a spoken task, keep-alives, stop — and the vendor session ends", async () => {
    const api = apiClient(platform.apiUrl, platform.tenants.a.apiKey);
    const { session_id, access_token } = await newSession(api, { provider: 'heygen', avatar_id: 'Anna_public', voice_id: 'v-en-1', quality: 'high' });
    const started = await api.post('/v1/streaming.start', { session_id });
    expect(started.status).toBe(200);
    expect(started.body.provider).toBe('heygen');
    // What the frontend's LiveKit client needs, from the vendor's answer.
    const vendorSession = [...heygen.sessions.values()].at(-1)!;
    expect(started.body.provider_session).toEqual({ url: expect.any(String), access_token: vendorSession.accessToken });
    const created = heygen.calls('POST', '/v1/streaming.new').at(-1)!;
    expect(created.headers['x-api-key']).toBe(heygen.apiKey);
    expect(created.body).toMatchObject({ quality: 'high', avatar_id: 'Anna_public', voice: { voice_id: 'v-en-1' } });
    expect(heygen.calls('POST', '/v1/streaming.start').at(-1)!.body).toEqual({ session_id: vendorSession.id });

    const socket = await openSocket(sessionSocketUrl(platform.wsUrl, session_id, access_token));
    const speak = await api.post('/v1/avatar.speak', { session_id, text: 'hello from the platform' });
    const completed = await socket.waitFor((e) => e.type === 'task.completed' && e.task_id === speak.body.task_id);
    expect(vendorSession.tasks.map((t) => t.text)).toEqual(['hello from the platform']);
    // The task lasted what HeyGen said it would (4 words × 40 ms).
    expect(completed.duration).toBeCloseTo(0.16, 1);

    // HeyGen ends idle sessions: the platform keeps it alive while ours runs.
    await waitUntil(() => vendorSession.keepAlives > 0, 5000);

    const stopped = await api.post('/v1/streaming.stop', { session_id });
    expect(stopped.status).toBe(200);
    expect(vendorSession.state).toBe('stopped');
    expect(heygen.openSessions).toBe(0);
    socket.close();
  });

  it('refuses a session on a vendor the tenant has no credentials for with 422 PROVIDER_NOT_CONFIGURED, at streaming.new', async () => {
    const api = apiClient(platform.apiUrl, platform.tenants.b.apiKey);
    const created = await api.post('/v1/streaming.new', { provider: 'heygen' });
    expect(created.status).toBe(422);
    expect(created.body.error).toMatchObject({ code: 'PROVIDER_NOT_CONFIGURED', details: { provider: 'heygen', needs: ['api_key'] } });
    // Nothing was recorded.
    expect(await platform.db.session.count({ where: { tenantId: platform.tenants.b.id } })).toBe(0);
    const providers = await api.get('/v1/providers');
    expect(providers.body.providers).toEqual(
      expect.arrayContaining([
        { name: 'heygen', available: false, credentials: null, stateful: false },
        { name: 'avaturn', available: true, credentials: 'platform', stateful: false },
        { name: 'local', available: true, credentials: 'platform', stateful: false },
      ]),
    );
  });

  it('maps vendor failures to typed errors in the envelope: refused key, rate limit with Retry-After', async () => {
    const api = apiClient(platform.apiUrl, platform.tenants.a.apiKey);
    const one = await newSession(api, { provider: 'heygen', avatar_id: 'Anna_public' });
    heygen.fault({ path: '/v1/streaming.new', answer: { status: 401, body: { code: 400112, message: 'Unauthorized' } } });
    const refused = await api.post('/v1/streaming.start', { session_id: one.session_id });
    expect(refused.status).toBe(502);
    expect(refused.body.error).toMatchObject({ code: 'PROVIDER_AUTH_FAILED', details: { provider: 'heygen', kind: 'auth', retryable: false, vendor_status: 401 } });
    expect(refused.body.error.details.vendor_request_id).toMatch(/^req-/);

    heygen.fault({ path: '/v1/streaming.new', answer: { status: 429, headers: { 'retry-after': '30' }, body: { code: 400123, message: 'Exceed rate limit' } } });
    const limited = await api.post('/v1/streaming.start', { session_id: one.session_id });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('30');
    expect(limited.body.error).toMatchObject({ code: 'PROVIDER_RATE_LIMITED', details: { retry_after: 30, retryable: true } });
    // Still created: it can be started once the vendor takes it.
    expect((await api.get(`/v1/sessions/${one.session_id}`)).body.status).toBe('created');
  });

  it("fails over to the next provider of the tenant's list when the first cannot serve, and says which served", async () => {
    const tenant = await createTenant(platform.db, 'failover tenant');
    await storeHeygenKey(tenant, heygen.apiKey);
    const patched = await admin.request('PATCH', `/tenants/${tenant.id}`, {
      providers: { default: 'heygen', failover: [{ provider: 'avaturn', avatar_id: 'avaturn-anna' }] },
    });
    expect(patched.status).toBe(200);
    const api = apiClient(platform.apiUrl, tenant.apiKey);
    const { session_id } = await newSession(api, { avatar_id: 'Anna_public' });
    // HeyGen's account runs as many sessions as it may.
    heygen.fault({ path: '/v1/streaming.new', answer: { status: 400, body: { code: 10007, message: 'Concurrent limit reached' } } });
    const started = await api.post('/v1/streaming.start', { session_id });
    expect(started.status).toBe(200);
    expect(started.body.provider).toBe('avaturn');
    expect(started.body.failed_over).toEqual([{ provider: 'heygen', code: 'PROVIDER_CAPACITY', message: expect.any(String) }]);
    // Avaturn's token for its web SDK, and the avatar the failover entry named.
    const vendorSession = [...avaturn.sessions.values()].at(-1)!;
    expect(started.body.provider_session).toEqual({ token: vendorSession.token });
    expect(vendorSession.body).toMatchObject({ avatar_id: 'avaturn-anna' });
    const history = await api.get(`/v1/sessions/${session_id}`);
    expect(history.body).toMatchObject({ provider: 'avaturn', avatar_id: 'avaturn-anna' });
    await api.post('/v1/streaming.stop', { session_id });
    expect(avaturn.openSessions).toBe(0);
  });

  it("passes Avaturn's conversation_engine through exactly, and refuses it for providers that take none", async () => {
    const api = apiClient(platform.apiUrl, platform.tenants.a.apiKey);
    const engine = { type: 'cartesia', access_token: 'ct-secret', agent_id: 'agent-7' };
    const { session_id } = await newSession(api, { provider: 'avaturn', avatar_id: 'avaturn-anna', conversation_engine: engine });
    const started = await api.post('/v1/streaming.start', { session_id });
    expect(started.status).toBe(200);
    const create = avaturn.calls('POST', '/api/v1/sessions').at(-1)!;
    expect(create.headers.authorization).toBe(`Bearer ${avaturn.apiKey}`);
    expect(create.body).toEqual({ avatar_id: 'avaturn-anna', conversation_engine: engine });
    // The engine's secret is not kept once the vendor has it.
    const row = await platform.db.session.findUniqueOrThrow({ where: { id: session_id } });
    expect(row.providerOptions).toBeNull();
    await api.post('/v1/streaming.stop', { session_id });

    const refused = await api.post('/v1/streaming.new', { provider: 'local', conversation_engine: { type: 'openai-realtime', client_secret: 's' } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('VALIDATION_ERROR');
  });

  it('lists one catalog across the available providers (a vendor whose list fails is named, the rest still answer)', async () => {
    const api = apiClient(platform.apiUrl, platform.tenants.a.apiKey);
    const avatars = await api.get('/v1/avatars');
    expect(avatars.status).toBe(200);
    expect(avatars.body.avatars).toEqual(
      expect.arrayContaining([
        { id: 'Anna_public', provider: 'heygen', name: 'Anna', preview_url: 'https://img.example/anna.png' },
        { id: 'avaturn-anna', provider: 'avaturn', name: 'Anna (Avaturn)' },
        expect.objectContaining({ id: 'avatar_1', provider: 'local' }),
      ]),
    );
    // Unavailable vendors (no credentials) are not listed at all.
    expect(avatars.body.avatars.some((a: { provider: string }) => a.provider === 'liveavatar')).toBe(false);
    const voices = await api.get('/v1/voices?provider=heygen');
    expect(voices.body).toEqual({ voices: [{ id: 'v-en-1', provider: 'heygen', name: 'Emma', language: 'English', gender: 'female' }], unavailable: [] });

    await new Promise((resolve) => setTimeout(resolve, 1100)); // past CATALOG_CACHE_SECONDS
    heygen.fault({ path: '/v2/voices', answer: { status: 500, body: { error: 'boom' } }, times: 10 });
    const partial = await api.get('/v1/voices');
    expect(partial.status).toBe(200);
    expect(partial.body.unavailable).toEqual([{ provider: 'heygen', code: 'PROVIDER_UNAVAILABLE', message: expect.any(String) }]);
    expect(partial.body.voices.some((v: { provider: string }) => v.provider === 'local')).toBe(true);
  });
});

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
