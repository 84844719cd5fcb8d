import { signSessionToken } from '../../libs/tenancy/src';
import { apiClient, ApiClient, openSocket, sessionSocketUrl, startedSession } from '../support/clients';
import { Platform, startPlatform, TEST_TOKEN_SECRET } from '../support/platform';

/** What a bad request gets: the envelope, the right status, and nothing written. */
describe('API contract: errors, auth and tenant isolation', () => {
  let platform: Platform;
  let api: ApiClient;
  let other: ApiClient;

  beforeAll(async () => {
    platform = await startPlatform();
    api = apiClient(platform.apiUrl, platform.tenants.a.apiKey);
    other = apiClient(platform.apiUrl, platform.tenants.b.apiKey);
  });
  afterAll(() => platform?.stop());

  const rowCounts = async () => ({
    sessions: await platform.db.session.count(),
    tasks: await platform.db.speechTask.count(),
  });

  function expectEnvelope(response: { status: number; body: any }, status: number, code: string): void {
    expect(response.status).toBe(status);
    expect(response.body).toEqual({ error: { code, message: expect.any(String), details: expect.any(Object) } });
  }

  it('refuses requests without a valid API key', async () => {
    expectEnvelope(await apiClient(platform.apiUrl).post('/v1/streaming.new', {}), 401, 'UNAUTHORIZED');
    expectEnvelope(await apiClient(platform.apiUrl, 'ak_not_a_key').get('/v1/streaming.sessions'), 401, 'UNAUTHORIZED');
    expectEnvelope(await apiClient(platform.apiUrl).post('/v1/streaming.new', {}, { authorization: 'Basic abc' }), 401, 'UNAUTHORIZED');
  });

  it('answers invalid bodies with VALIDATION_ERROR naming the fields, and writes nothing', async () => {
    const before = await rowCounts();
    const bad = await api.post('/v1/streaming.new', { quality: 'ultra', avatar_id: '' });
    expectEnvelope(bad, 400, 'VALIDATION_ERROR');
    expect(bad.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual(['avatar_id', 'quality']);
    expectEnvelope(await api.post('/v1/streaming.new', '{"quality":'), 400, 'VALIDATION_ERROR');
    expectEnvelope(await api.post('/v1/streaming.new', { quality: 'low', unexpected: 1 }), 400, 'VALIDATION_ERROR');
    expectEnvelope(await api.post('/v1/streaming.start', { session_id: 'not-a-uuid' }), 400, 'VALIDATION_ERROR');
    expect(await rowCounts()).toEqual(before);
  });

  it('creates a session with defaults when the body is empty', async () => {
    const created = await api.post('/v1/streaming.new');
    expect(created.status).toBe(200);
    expect(created.body).toEqual({ session_id: expect.any(String), ice_servers: [{ urls: expect.any(String) }], access_token: expect.any(String) });
    const row = await platform.db.session.findFirstOrThrow({ where: { id: created.body.session_id } });
    expect(row).toMatchObject({ tenantId: platform.tenants.a.id, quality: 'medium', provider: 'local', avatarId: 'avatar_1', status: 'created' });
  });

  it('refuses speech that cannot be spoken, and writes no task', async () => {
    const { sessionId } = await startedSession(api);
    const created = (await api.post('/v1/streaming.new', {})).body.session_id;
    const before = await rowCounts();
    expectEnvelope(await api.post('/v1/avatar.speak', { session_id: sessionId, text: '' }), 400, 'VALIDATION_ERROR');
    expectEnvelope(await api.post('/v1/avatar.speak', { session_id: sessionId, text: '...' }), 400, 'VALIDATION_ERROR');
    expectEnvelope(await api.post('/v1/avatar.speak', { session_id: sessionId, text: 'x'.repeat(5001) }), 400, 'VALIDATION_ERROR');
    expectEnvelope(await api.post('/v1/avatar.speak', { session_id: sessionId, text: 'hi', voice_settings: { stability: 3 } }), 400, 'VALIDATION_ERROR');
    const unknown = await api.post('/v1/avatar.speak', { session_id: '00000000-0000-4000-8000-000000000000', text: 'hello' });
    expectEnvelope(unknown, 404, 'SESSION_NOT_FOUND');
    expect(unknown.body.error.details).toEqual({ session_id: '00000000-0000-4000-8000-000000000000' });
    expectEnvelope(await api.post('/v1/avatar.speak', { session_id: created, text: 'not started yet' }), 409, 'SESSION_NOT_ACTIVE');
    expect(await rowCounts()).toEqual(before);
    expectEnvelope(await api.get('/v1/tasks/00000000-0000-4000-8000-000000000000'), 404, 'TASK_NOT_FOUND');
    expectEnvelope(await api.get('/v1/tasks/nope'), 400, 'VALIDATION_ERROR');
  });

  it('keeps tenants apart: another tenant cannot see, speak to, stop or read a session', async () => {
    const { sessionId } = await startedSession(api);
    const task = (await api.post('/v1/avatar.speak', { session_id: sessionId, text: 'mine' })).body.task_id;
    expectEnvelope(await other.post('/v1/avatar.speak', { session_id: sessionId, text: 'theirs' }), 404, 'SESSION_NOT_FOUND');
    expectEnvelope(await other.post('/v1/streaming.stop', { session_id: sessionId }), 404, 'SESSION_NOT_FOUND');
    expectEnvelope(await other.post('/v1/streaming.start', { session_id: sessionId }), 404, 'SESSION_NOT_FOUND');
    expectEnvelope(await other.post('/v1/streaming.interrupt', { session_id: sessionId }), 404, 'SESSION_NOT_FOUND');
    expectEnvelope(await other.get(`/v1/tasks/${task}`), 404, 'TASK_NOT_FOUND');
    const theirs = await other.get('/v1/streaming.sessions');
    expect(theirs.body.sessions.map((s: { session_id: string }) => s.session_id)).not.toContain(sessionId);
    const mine = await api.get('/v1/streaming.sessions?status=active');
    expect(mine.body.sessions.map((s: { session_id: string }) => s.session_id)).toContain(sessionId);
    expect(mine.body.sessions.every((s: { status: string }) => s.status === 'active')).toBe(true);
    expect((await platform.db.session.findFirstOrThrow({ where: { id: sessionId } })).status).toBe('active');
  });

  it('lists sessions with status, times and a running duration', async () => {
    const { sessionId } = await startedSession(api);
    await new Promise((r) => setTimeout(r, 300));
    const list = await api.get('/v1/streaming.sessions?limit=500');
    expect(list.status).toBe(200);
    const entry = list.body.sessions.find((s: { session_id: string }) => s.session_id === sessionId);
    expect(entry).toMatchObject({ status: 'active', provider: 'local', created_at: expect.any(String), ended_at: null });
    expect(entry.duration).toBeGreaterThanOrEqual(0.3);
    expect(list.body.total).toBe(await platform.db.session.count({ where: { tenantId: platform.tenants.a.id } }));
    expectEnvelope(await api.get('/v1/streaming.sessions?limit=0'), 400, 'VALIDATION_ERROR');
  });

  it('answers wrong session states with SESSION_NOT_ACTIVE', async () => {
    const { sessionId } = await startedSession(api);
    expect((await api.post('/v1/streaming.start', { session_id: sessionId })).body).toEqual({ status: 'started', provider: 'local' });
    await api.post('/v1/streaming.stop', { session_id: sessionId });
    expectEnvelope(await api.post('/v1/streaming.start', { session_id: sessionId }), 409, 'SESSION_NOT_ACTIVE');
    expectEnvelope(await api.post('/v1/streaming.interrupt', { session_id: sessionId }), 409, 'SESSION_NOT_ACTIVE');
  });

  it('serves an OpenAPI document whose every route exists', async () => {
    const doc = await apiClient(platform.apiUrl).get('/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    const operations = Object.entries(doc.body.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((m) => [m, path]));
    expect(operations.map(([m, p]) => `${m.toUpperCase()} ${p}`).sort()).toEqual(
      [
        'GET /v1/streaming.sessions',
        'GET /v1/sessions/{session_id}',
        'GET /v1/usage',
        'GET /v1/providers',
        'GET /v1/avatars',
        'GET /v1/voices',
        'GET /v1/tasks/{task_id}',
        'POST /v1/avatar.speak',
        'POST /v1/chat.completions',
        'POST /v1/streaming.interrupt',
        'POST /v1/streaming.new',
        'POST /v1/streaming.start',
        'POST /v1/streaming.stop',
        'POST /v1/streaming.token',
        'POST /api/v1/sessions',
        'POST /api/v1/sessions/{session_id}/tasks',
        'DELETE /api/v1/sessions/{session_id}',
        'GET /admin/v1/usage',
        'GET /admin/v1/tenants',
        'POST /admin/v1/tenants',
        'GET /admin/v1/tenants/{tenant_id}',
        'PATCH /admin/v1/tenants/{tenant_id}',
        'POST /admin/v1/tenants/{tenant_id}/disable',
        'POST /admin/v1/tenants/{tenant_id}/enable',
        'GET /admin/v1/tenants/{tenant_id}/api-keys',
        'POST /admin/v1/tenants/{tenant_id}/api-keys',
        'POST /admin/v1/tenants/{tenant_id}/api-keys/{key_id}/revoke',
        'POST /admin/v1/tenants/{tenant_id}/api-keys/{key_id}/rotate',
        'GET /admin/v1/tenants/{tenant_id}/credentials',
        'PUT /admin/v1/tenants/{tenant_id}/credentials/{provider}',
        'DELETE /admin/v1/tenants/{tenant_id}/credentials/{provider}',
        'GET /admin/v1/tenants/{tenant_id}/webhooks',
        'POST /admin/v1/tenants/{tenant_id}/webhooks',
        'DELETE /admin/v1/tenants/{tenant_id}/webhooks/{webhook_id}',
        'GET /admin/v1/tenants/{tenant_id}/webhooks/{webhook_id}/deliveries',
        'POST /admin/v1/tenants/{tenant_id}/webhooks/{webhook_id}/deliveries/{delivery_id}/retry',
      ].sort(),
    );
    // Every documented operation is routed: the router's 404 NOT_FOUND never answers
    // (a /v1 route reaches its handler; an admin route its guard, 401 for a tenant key).
    for (const [method, path] of operations) {
      const url = path.replace('{provider}', 'avaturn').replace(/\{[a-z_]+\}/g, '00000000-0000-4000-8000-000000000000');
      const response = await api.request(method.toUpperCase(), url, method === 'get' || method === 'delete' ? undefined : {});
      expect({ operation: `${method} ${path}`, code: response.body?.error?.code }).not.toEqual({ operation: `${method} ${path}`, code: 'NOT_FOUND' });
    }
    expect(doc.body.paths['/v1/avatar.speak'].post.requestBody.content['application/json'].schema.required).toEqual(['session_id', 'text']);
    // A route that reads a JSON body documents the answers to a bad one.
    for (const [method, path] of operations.filter(([m, p]) => m === 'post' && doc.body.paths[p][m].requestBody)) {
      const statuses = Object.keys(doc.body.paths[path][method].responses);
      expect(statuses).toEqual(expect.arrayContaining(['400', '401', '408', '413', '415']));
      expect(statuses.some((status) => /^2\d\d$/.test(status))).toBe(true);
    }
    expect(doc.body.paths['/v1/streaming.token'].post.responses['200'].content['application/json'].schema.required.sort()).toEqual(['access_token', 'expires_in']);
  });

  it('issues a fresh WebSocket token for a live session of the tenant, and none for a stopped, unknown or foreign one', async () => {
    const created = (await api.post('/v1/streaming.new', {})).body.session_id as string;
    const forCreated = await api.post('/v1/streaming.token', { session_id: created });
    expect(forCreated.status).toBe(200);
    expect(forCreated.body).toEqual({ access_token: expect.any(String), expires_in: 3600 });
    const socket = await openSocket(sessionSocketUrl(platform.wsUrl, created, forCreated.body.access_token));
    await socket.close();

    const { sessionId } = await startedSession(api);
    const forActive = await api.post('/v1/streaming.token', { session_id: sessionId.toUpperCase() });
    expect(forActive.status).toBe(200);
    const watching = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, forActive.body.access_token));
    await watching.waitFor((e) => e.type === 'session.started');
    await watching.close();

    expectEnvelope(await other.post('/v1/streaming.token', { session_id: sessionId }), 404, 'SESSION_NOT_FOUND');
    expectEnvelope(await api.post('/v1/streaming.token', { session_id: '00000000-0000-4000-8000-000000000000' }), 404, 'SESSION_NOT_FOUND');
    expectEnvelope(await api.post('/v1/streaming.token', { session_id: 'nope' }), 400, 'VALIDATION_ERROR');
    expectEnvelope(await apiClient(platform.apiUrl).post('/v1/streaming.token', { session_id: sessionId }), 401, 'UNAUTHORIZED');
    await api.post('/v1/streaming.stop', { session_id: sessionId });
    const stopped = await api.post('/v1/streaming.token', { session_id: sessionId });
    expectEnvelope(stopped, 409, 'SESSION_NOT_ACTIVE');
    expect(stopped.body.error.details).toEqual({ session_id: sessionId, status: 'stopped' });
  });

  it('answers unknown routes with the envelope', async () => {
    expectEnvelope(await api.get('/v1/nothing.here'), 404, 'NOT_FOUND');
  });

  it('continues the caller\'s W3C trace', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await api.get('/v1/streaming.sessions', { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    expect(response.headers.get('traceparent')).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(response.headers.get('traceparent')).not.toContain('00f067aa0ba902b7');
    expect((await api.get('/v1/streaming.sessions')).headers.get('traceparent')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('carries the trace into the speech task', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const { sessionId } = await startedSession(api);
    const speak = await api.post('/v1/avatar.speak', { session_id: sessionId, text: 'traced' }, { traceparent: `00-${traceId}-b7ad6b7169203331-01` });
    const task = await platform.db.speechTask.findFirstOrThrow({ where: { id: speak.body.task_id } });
    expect(task.traceparent).toMatch(new RegExp(`^00-${traceId}-`));
  });

  it('reports health in the reference shape', async () => {
    const health = await apiClient(platform.apiUrl).get('/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      status: 'healthy',
      version: expect.any(String),
      uptime: expect.any(Number),
      services: { api: 'healthy', redis: 'healthy', nats: 'healthy', database: 'healthy' },
    });
  });

  describe('WebSocket', () => {
    it('refuses a wrong, expired or foreign token before upgrading', async () => {
      const { sessionId, token } = await startedSession(api);
      const { sessionId: otherSession } = await startedSession(other);
      const refused = (url: string) => openSocket(url).then(() => 0, (err) => err.statusCode);
      expect(await refused(`${platform.wsUrl}/ws/${sessionId}`)).toBe(401);
      expect(await refused(sessionSocketUrl(platform.wsUrl, sessionId, token + 'x'))).toBe(401);
      expect(await refused(sessionSocketUrl(platform.wsUrl, otherSession, token))).toBe(401);
      const expired = signSessionToken({ tenantId: platform.tenants.a.id, sessionId, ttlSeconds: 1 }, TEST_TOKEN_SECRET, Date.now() - 5000);
      expect(await refused(sessionSocketUrl(platform.wsUrl, sessionId, expired))).toBe(401);
      const forged = signSessionToken({ tenantId: platform.tenants.a.id, sessionId, ttlSeconds: 60 }, 'f'.repeat(48));
      expect(await refused(sessionSocketUrl(platform.wsUrl, sessionId, forged))).toBe(401);
      expect(await refused(`${platform.wsUrl}/elsewhere?token=${token}`)).toBe(404);
    });

    it('answers malformed and unknown messages with an error event and stays open', async () => {
      const { sessionId, token } = await startedSession(api);
      const socket = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));
      socket.send('not json');
      await socket.waitFor((e) => e.type === 'error' && e.code === 'INVALID_MESSAGE');
      socket.send({ type: 'dance' });
      await socket.waitFor((e) => e.type === 'error' && e.code === 'UNKNOWN_MESSAGE_TYPE');
      socket.send({ type: 'audio_buffer_append', data: { audio: 'AA==' } });
      await socket.waitFor((e) => e.type === 'error' && e.code === 'AUDIO_INVALID');
      const speak = await api.post('/v1/avatar.speak', { session_id: sessionId, text: 'still here' });
      await socket.waitFor((e) => e.type === 'task.completed' && e.task_id === speak.body.task_id);
      expect(socket.ws.readyState).toBe(socket.ws.OPEN);
      await socket.close();
    });
  });
});
