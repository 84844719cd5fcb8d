import { apiClient, ApiClient, ApiResponse, openSocket, sessionSocketUrl } from '../support/clients';
import { createTenant, Platform, startPlatform, TEST_ADMIN_TOKEN, TestTenant } from '../support/platform';
import { AvaturnFake } from '../../libs/testing/src/fakes/avaturn-fake';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

/**
 * The calls of Avaturn Live's reference client (reference/avaturn-live-api-client.txt
 * and avaturn-live-conversation-engines.txt), pointed at the platform: only the base
 * URL differs. create_session posts no body (or a conversation_engine), say posts
 * {text}, terminate sends DELETE; the tenant's API key is the Bearer.
 */
function avaturnClient(baseUrl: string, apiKey?: string) {
  const http = apiClient(baseUrl, apiKey);
  return {
    createSession: (body?: Record<string, unknown>) => http.post('/api/v1/sessions', body),
    say: (sessionId: string, text: string) => http.post(`/api/v1/sessions/${sessionId}/tasks`, { text }),
    terminateSession: (sessionId: string) => http.request('DELETE', `/api/v1/sessions/${sessionId}`),
    http,
  };
}
type AvaturnClient = ReturnType<typeof avaturnClient>;

/**
 * The Avaturn-compatible API (`/api/v1`) on real processes: the reference client's
 * flow end to end (WebSocket events, billing as /v1), errors in the envelope, shared
 * rate limits, tenant isolation, conversation_engine through to the Avaturn provider
 * (a local fake of the vendor), and a failed start leaving nothing behind.
 */
describe('Avaturn-compatible API (/api/v1) through the platform', () => {
  let platform: Platform;
  let avaturn: AvaturnFake;
  let admin: ApiClient;

  beforeAll(async () => {
    avaturn = await new AvaturnFake().start();
    // Rate limits on: each test uses a tenant of its own, so counters never mix.
    platform = await startPlatform({ env: { AVATURN_API_URL: avaturn.url, AVATURN_AVATARS: JSON.stringify([{ id: 'avaturn-anna', name: 'Anna' }]), RATE_LIMITS: 'on' } });
    admin = apiClient(`${platform.apiUrl}/admin/v1`, TEST_ADMIN_TOKEN);
  });
  afterAll(async () => {
    await platform?.stop();
    await avaturn?.stop();
  });
  afterEach(() => avaturn.clearFaults());

  /** A new tenant with the given settings (admin API); `avaturn`: its sessions default to the Avaturn provider, with its own key stored. */
  async function tenantWith(settings: { limits?: Record<string, number>; quotas?: Record<string, number>; avaturn?: boolean } = {}): Promise<TestTenant> {
    const tenant = await createTenant(platform.db, 'compat tenant');
    const { avaturn: onAvaturn, ...rest } = settings;
    const patch = { ...rest, ...(onAvaturn ? { providers: { default: 'avaturn' } } : {}) };
    if (Object.keys(patch).length > 0) expect((await admin.request('PATCH', `/tenants/${tenant.id}`, patch)).status).toBe(200);
    if (onAvaturn) expect((await admin.request('PUT', `/tenants/${tenant.id}/credentials/avaturn`, { api_key: avaturn.apiKey })).status).toBe(200);
    return tenant;
  }

  const clientOf = (tenant: TestTenant): AvaturnClient => avaturnClient(platform.apiUrl, tenant.apiKey);

  function expectEnvelope(response: ApiResponse, status: number, code: string): void {
    expect({ status: response.status, body: response.body }).toEqual({ status, body: { error: { code, message: expect.any(String), details: expect.any(Object) } } });
  }

  it("runs the reference client's flow: create (no body) → the token opens the WebSocket → say → terminate, billed and listed as a /v1 session", async () => {
    const tenant = await tenantWith();
    const client = clientOf(tenant);

    const created = await client.createSession();
    expect(created.status).toBe(200);
    expect(created.body).toEqual({ session_id: expect.stringMatching(UUID), token: expect.any(String) });
    const { session_id: sessionId, token } = created.body;
    // Started at once (Avaturn has no start step), with /v1's defaults.
    const row = await platform.db.session.findUniqueOrThrow({ where: { id: sessionId } });
    expect(row).toMatchObject({ tenantId: tenant.id, status: 'active', provider: 'local', avatarId: 'avatar_1', quality: 'medium' });

    // The token is the platform session token: it opens our WebSocket.
    const socket = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));
    await socket.waitFor((e) => e.type === 'session.started');

    const said = await client.say(sessionId, 'Hello, world!');
    expect(said.status).toBe(200);
    expect(said.body).toEqual({ task_id: expect.stringMatching(UUID) });
    await socket.waitFor((e) => e.type === 'task.started' && e.task_id === said.body.task_id);
    await socket.waitFor((e) => e.type === 'task.completed' && e.task_id === said.body.task_id);

    const terminated = await client.terminateSession(sessionId);
    expect(terminated.status).toBe(200);
    expect(terminated.body).toEqual({ status: 'stopped', duration: expect.any(Number), billed_seconds: Math.ceil(terminated.body.duration) });
    expect(terminated.body.duration).toBeGreaterThan(0);
    const stopped = await socket.waitFor((e) => e.type === 'session.stopped');
    expect(stopped).toMatchObject({ duration: terminated.body.duration, billed_seconds: terminated.body.billed_seconds, reason: 'client_stop' });
    await socket.close();

    // Same sessions and billing as /v1: listed with the duration and seconds DELETE answered.
    const list = await client.http.get('/v1/streaming.sessions');
    expect(list.body.sessions).toEqual([
      expect.objectContaining({ session_id: sessionId, status: 'stopped', duration: terminated.body.duration, billed_seconds: terminated.body.billed_seconds, end_reason: 'client_stop' }),
    ]);
    expect((await client.http.get(`/v1/tasks/${said.body.task_id}`)).body).toMatchObject({ session_id: sessionId, status: 'completed', text: 'Hello, world!' });

    // Terminating again is harmless (the same figures); a stopped session takes no task.
    expect(await client.terminateSession(sessionId)).toMatchObject({ status: 200, body: terminated.body });
    expectEnvelope(await client.say(sessionId, 'too late'), 409, 'SESSION_NOT_ACTIVE');
  });

  it('takes no body, an empty JSON body, {} and an avatar_id alike for a new session', async () => {
    const tenant = await tenantWith();
    const client = clientOf(tenant);
    // A client that always says JSON, with nothing in it.
    const headerOnly = await fetch(`${platform.apiUrl}/api/v1/sessions`, { method: 'POST', headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' } });
    expect(headerOnly.status).toBe(200);
    expect((await client.terminateSession(((await headerOnly.json()) as { session_id: string }).session_id)).status).toBe(200);
    const empty = await client.createSession({});
    expect(empty.status).toBe(200);
    const named = await client.createSession({ avatar_id: 'avatar_1' });
    expect(named.status).toBe(200);
    const rows = await platform.db.session.findMany({ where: { id: { in: [empty.body.session_id, named.body.session_id] } } });
    expect(rows.map((r) => r.status)).toEqual(['active', 'active']);
    for (const id of [empty.body.session_id, named.body.session_id]) expect((await client.terminateSession(id)).status).toBe(200);
  });

  it('answers bad requests in the error envelope, and writes nothing', async () => {
    const tenant = await tenantWith();
    const client = clientOf(tenant);
    const own = (await client.createSession()).body.session_id as string;
    const sessionsBefore = await platform.db.session.count();
    const tasksBefore = await platform.db.speechTask.count();

    // No key, a wrong key, another scheme: 401.
    for (const anonymous of [avaturnClient(platform.apiUrl), avaturnClient(platform.apiUrl, 'ak_not_a_key')]) {
      expectEnvelope(await anonymous.createSession(), 401, 'UNAUTHORIZED');
      expectEnvelope(await anonymous.say(own, 'hi'), 401, 'UNAUTHORIZED');
      expectEnvelope(await anonymous.terminateSession(own), 401, 'UNAUTHORIZED');
    }
    expectEnvelope(await avaturnClient(platform.apiUrl).http.post('/api/v1/sessions', undefined, { authorization: `Basic ${tenant.apiKey}` }), 401, 'UNAUTHORIZED');

    // A key without sessions:write: 403, as on /v1.
    const reader = avaturnClient(platform.apiUrl, (await createTenant(platform.db, 'reader', { scopes: ['sessions:read'] })).apiKey);
    expectEnvelope(await reader.createSession(), 403, 'FORBIDDEN');
    expectEnvelope(await reader.say(own, 'hi'), 403, 'FORBIDDEN');
    expectEnvelope(await reader.terminateSession(own), 403, 'FORBIDDEN');

    // Bodies and ids that are not what Avaturn's API takes: 400 naming the field.
    const unknownField = await client.createSession({ background: 'transparent' });
    expectEnvelope(unknownField, 400, 'VALIDATION_ERROR');
    expectEnvelope(await client.createSession({ conversation_engine: { type: 'openai-realtime' } }), 400, 'VALIDATION_ERROR');
    expectEnvelope(await client.http.post('/api/v1/sessions', '{"avatar_id":'), 400, 'VALIDATION_ERROR');
    const noText = await client.http.post(`/api/v1/sessions/${own}/tasks`, {});
    expectEnvelope(noText, 400, 'VALIDATION_ERROR');
    expect(noText.body.error.details.fields).toEqual([{ field: 'text', message: expect.any(String) }]);
    expectEnvelope(await client.say(own, '   '), 400, 'VALIDATION_ERROR');
    expectEnvelope(await client.say(own, 'x'.repeat(5001)), 400, 'VALIDATION_ERROR');
    expectEnvelope(await client.say('not-a-uuid', 'hi'), 400, 'VALIDATION_ERROR');
    expectEnvelope(await client.terminateSession('not-a-uuid'), 400, 'VALIDATION_ERROR');

    // Sessions the tenant does not have: 404 naming the id.
    const missing = await client.say(UNKNOWN, 'hello');
    expectEnvelope(missing, 404, 'SESSION_NOT_FOUND');
    expect(missing.body.error.details).toEqual({ session_id: UNKNOWN });
    expectEnvelope(await client.terminateSession(UNKNOWN), 404, 'SESSION_NOT_FOUND');

    // The tenant's default provider (local) takes no conversation engine: the clear 400 of streaming.new.
    const engine = await client.createSession({ conversation_engine: { type: 'openai-realtime', client_secret: 'ek_test' } });
    expectEnvelope(engine, 400, 'VALIDATION_ERROR');
    expect(engine.body.error.details.fields).toEqual([{ field: 'conversation_engine', message: 'not supported by provider local' }]);

    expect(await platform.db.session.count()).toBe(sessionsBefore);
    expect(await platform.db.speechTask.count()).toBe(tasksBefore);
    expect((await platform.db.session.findUniqueOrThrow({ where: { id: own } })).status).toBe('active');
  });

  it("counts a compat create against the tenant's session-creation limit and a task against its speak limit, shared with /v1", async () => {
    const client = clientOf(await tenantWith({ limits: { sessions_per_minute: 2, speak_per_minute: 2 } }));
    const first = await client.createSession();
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-remaining')).toBe('1');
    // streaming.new takes from the same count.
    expect((await client.http.post('/v1/streaming.new', {})).status).toBe(200);
    const refused = await client.createSession();
    expectEnvelope(refused, 429, 'RATE_LIMITED');
    expect(refused.body.error.details).toEqual({ limit: 2, window_seconds: 60, retry_after_seconds: expect.any(Number) });
    expect(Number(refused.headers.get('retry-after'))).toBe(refused.body.error.details.retry_after_seconds);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    const sessionId = first.body.session_id as string;
    expect((await client.say(sessionId, 'one')).status).toBe(200);
    expect((await client.http.post('/v1/avatar.speak', { session_id: sessionId, text: 'two' })).status).toBe(200);
    const tooMany = await client.say(sessionId, 'three');
    expectEnvelope(tooMany, 429, 'RATE_LIMITED');
    expect(tooMany.headers.get('retry-after')).toEqual(expect.stringMatching(/^\d+$/));
    expect(await platform.db.speechTask.count({ where: { sessionId } })).toBe(2);
    // Terminating is not rate limited.
    expect((await client.terminateSession(sessionId)).status).toBe(200);
  });

  it("keeps tenants apart: B can neither task nor delete A's session (404, as for an unknown id)", async () => {
    const a = clientOf(await tenantWith());
    const b = clientOf(await tenantWith());
    const { session_id: sessionId } = (await a.createSession()).body;

    const task = await b.say(sessionId, 'not yours');
    expectEnvelope(task, 404, 'SESSION_NOT_FOUND');
    expect(task.body.error.details).toEqual({ session_id: sessionId });
    expectEnvelope(await b.terminateSession(sessionId), 404, 'SESSION_NOT_FOUND');

    const row = await platform.db.session.findUniqueOrThrow({ where: { id: sessionId } });
    expect(row.status).toBe('active');
    expect(await platform.db.speechTask.count({ where: { sessionId } })).toBe(0);
    expect((await a.terminateSession(sessionId)).status).toBe(200);
  });

  it("passes conversation_engine to the Avaturn provider exactly, and speaks and ends the vendor's session", async () => {
    const client = clientOf(await tenantWith({ avaturn: true }));
    const engine = { type: 'cartesia', access_token: 'ct-secret', agent_id: 'agent-7' };

    const created = await client.createSession({ avatar_id: 'avaturn-anna', conversation_engine: engine });
    expect(created.status).toBe(200);
    const vendorCall = avaturn.calls('POST', '/api/v1/sessions').at(-1)!;
    expect(vendorCall.headers.authorization).toBe(`Bearer ${avaturn.apiKey}`);
    expect(vendorCall.body).toEqual({ avatar_id: 'avaturn-anna', conversation_engine: engine });
    const vendorSession = [...avaturn.sessions.values()].at(-1)!;
    expect(vendorSession.state).toBe('active');
    const row = await platform.db.session.findUniqueOrThrow({ where: { id: created.body.session_id } });
    expect(row).toMatchObject({ status: 'active', provider: 'avaturn', providerSessionId: vendorSession.id });
    // Our token is ours, not the vendor's web SDK token.
    expect(created.body.token).not.toBe(vendorSession.token);

    const said = await client.say(created.body.session_id, 'Hello from the compat API');
    expect(said.status).toBe(200);
    await waitUntil(() => vendorSession.tasks.some((t) => t.text === 'Hello from the compat API'));

    expect((await client.terminateSession(created.body.session_id)).status).toBe(200);
    expect(vendorSession.state).toBe('ended');
  });

  it('stops the session it created when the start fails: the error in the envelope, no active session, nothing billed', async () => {
    // One session at a time: a session left behind would refuse the next create.
    const tenant = await tenantWith({ avaturn: true, quotas: { max_active_sessions: 1 } });
    const client = clientOf(tenant);
    avaturn.fault({ method: 'POST', path: '/api/v1/sessions', answer: { status: 500, body: { detail: 'Internal Server Error' } }, times: Infinity });
    const openBefore = avaturn.openSessions;

    const failed = await client.createSession();
    expect(failed.status).toBe(503);
    expect(failed.body).toEqual({ error: { code: 'PROVIDER_UNAVAILABLE', message: expect.any(String), details: expect.objectContaining({ provider: 'avaturn', vendor_status: 500 }) } });

    const rows = await platform.db.session.findMany({ where: { tenantId: tenant.id } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'stopped', startedAt: null, billedSeconds: 0, endReason: 'start_failed' });
    expect((await client.http.get('/v1/streaming.sessions?status=active')).body.total).toBe(0);
    expect((await client.http.get('/v1/usage?group_by=provider')).body.totals.sessions).toBe(0);
    expect(avaturn.openSessions).toBe(openBefore);

    // Nothing half-done holds the tenant's one session: the next create works.
    avaturn.clearFaults();
    const next = await client.createSession();
    expect(next.status).toBe(200);
    expect((await client.terminateSession(next.body.session_id)).status).toBe(200);
  });
});

async function waitUntil(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
