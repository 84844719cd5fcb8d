// Tenant quotas on real processes: concurrent sessions (atomic under a burst of
// creates), queued tasks per session, and monthly minutes — refused at the door and
// enforced on a running session by the workers (SESSION_REAPER_INTERVAL_MS 300 ms
// here), with session.stopped {reason: quota_exhausted} on its WebSocket and the
// quota webhook events recorded.
import { randomUUID } from 'node:crypto';
import { apiClient, ApiClient, openSocket, sessionSocketUrl, startedSession } from '../support/clients';
import { createTenant, Platform, startPlatform, TEST_ADMIN_TOKEN } from '../support/platform';

const REAPER_MS = 300;
const LONG_TEXT = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' '); // ~24 s at 150 wpm

describe('tenant quotas', () => {
  let platform: Platform;
  let admin: ApiClient;

  beforeAll(async () => {
    platform = await startPlatform({
      env: { RATE_LIMITS: 'off', SESSION_REAPER_INTERVAL_MS: String(REAPER_MS), SESSION_HEARTBEAT_GRACE_MS: '1500' },
    });
    admin = apiClient(platform.apiUrl, TEST_ADMIN_TOKEN);
  });
  afterAll(() => platform?.stop());

  /** A new tenant with these quotas (set before the gateway ever reads its settings). */
  async function tenantWith(quotas: Record<string, unknown>): Promise<{ id: string; api: ApiClient }> {
    const tenant = await createTenant(platform.db, `quotas ${randomUUID().slice(0, 8)}`);
    await platform.db.tenant.update({ where: { id: tenant.id }, data: { quotas: quotas as Record<string, number> } });
    return { id: tenant.id, api: apiClient(platform.apiUrl, tenant.apiKey) };
  }

  function expectQuota(response: { status: number; body: any }, details: Record<string, unknown>): void {
    expect(response.status).toBe(429);
    expect(response.body.error).toMatchObject({ code: 'QUOTA_EXCEEDED', details });
  }

  it('max_active_sessions: of 10 concurrent streaming.new with a limit of 3, exactly 3 succeed; a stop frees a place', async () => {
    const { id, api } = await tenantWith({ max_active_sessions: 3 });

    const answers = await Promise.all(Array.from({ length: 10 }, () => api.post('/v1/streaming.new', { quality: 'low' })));

    const created = answers.filter((a) => a.status === 200);
    expect(created).toHaveLength(3);
    for (const refused of answers.filter((a) => a.status !== 200)) expectQuota(refused, { quota: 'max_active_sessions', limit: 3, current: 3 });
    expect(await platform.db.session.count({ where: { tenantId: id } })).toBe(3);

    // Started ones count as well as created ones; a stopped one does not.
    expect((await api.post('/v1/streaming.start', { session_id: created[0].body.session_id })).status).toBe(200);
    expectQuota(await api.post('/v1/streaming.new', {}), { quota: 'max_active_sessions' });
    await api.post('/v1/streaming.stop', { session_id: created[0].body.session_id });
    expect((await api.post('/v1/streaming.new', {})).status).toBe(200);
  });

  it('max_queued_tasks_per_session: speaks beyond the limit get 429 while the session is busy, and are accepted again once it is not', async () => {
    const { api } = await tenantWith({ max_queued_tasks_per_session: 2 });
    const { sessionId } = await startedSession(api);

    const answers = await Promise.all(Array.from({ length: 5 }, () => api.post('/v1/avatar.speak', { session_id: sessionId, text: LONG_TEXT })));

    expect(answers.filter((a) => a.status === 200)).toHaveLength(2);
    for (const refused of answers.filter((a) => a.status !== 200)) {
      expectQuota(refused, { quota: 'max_queued_tasks_per_session', limit: 2, session_id: sessionId });
    }
    expect(await platform.db.speechTask.count({ where: { sessionId } })).toBe(2);

    await api.post('/v1/streaming.interrupt', { session_id: sessionId });
    const deadline = Date.now() + 15_000;
    let again = await api.post('/v1/avatar.speak', { session_id: sessionId, text: 'hello again' });
    // The interrupted speaker ends within moments; until then it still counts.
    while (again.status === 429 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      again = await api.post('/v1/avatar.speak', { session_id: sessionId, text: 'hello again' });
    }
    expect(again.status).toBe(200);
  });

  it('monthly_minutes: a running session is stopped (quota_exhausted, billed) once the month’s minute is used up, its client told; new sessions and starts are refused; webhooks recorded', async () => {
    const { id, api } = await tenantWith({ monthly_minutes: 1 });
    const hook = await admin.post(`/admin/v1/tenants/${id}/webhooks`, { url: 'http://127.0.0.1:9/hooks', events: ['quota.warning', 'quota.exhausted'] });
    expect(hook.status).toBe(201);
    // 59 of its 60 s used this month already (a session that ended a second ago).
    await platform.db.$executeRawUnsafe(
      `INSERT INTO sessions (id, tenant_id, provider, avatar_id, quality, status, started_at, ended_at, duration_ms, billed_seconds, end_reason)
       VALUES ($1::uuid, $2::uuid, 'local', 'avatar_1', 'medium', 'stopped', now() - interval '60 seconds', now() - interval '1 second', 59000, 59, 'client_stop')`,
      randomUUID(),
      id,
    );
    // Another tenant's running session is none of this tenant's business.
    const bystander = await startedSession(apiClient(platform.apiUrl, platform.tenants.b.apiKey));
    const waiting = (await api.post('/v1/streaming.new', {})).body.session_id as string;

    const { sessionId, token } = await startedSession(api);
    const socket = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));
    const stopped = await socket.waitFor((e) => e.type === 'session.stopped', 20_000);
    await socket.close();

    const row = await platform.db.session.findFirstOrThrow({ where: { id: sessionId } });
    expect(row).toMatchObject({ status: 'stopped', endReason: 'quota_exhausted' });
    expect(row.billedSeconds).toBe(Math.ceil(row.durationMs! / 1000));
    expect(stopped).toMatchObject({ reason: 'quota_exhausted', duration: row.durationMs! / 1000, billed_seconds: row.billedSeconds });
    // Stopped within a few enforcer passes of the minute running out (about 1 s in).
    expect(row.durationMs!).toBeLessThan(10_000);

    expectQuota(await api.post('/v1/streaming.new', {}), { quota: 'monthly_minutes', limit: 1 });
    expectQuota(await api.post('/v1/streaming.start', { session_id: waiting }), { quota: 'monthly_minutes', limit: 1 });
    expect((await platform.db.session.findFirstOrThrow({ where: { id: waiting } })).status).toBe('created');
    expect((await platform.db.session.findFirstOrThrow({ where: { id: bystander.sessionId } })).status).toBe('active');

    const deliveries = await platform.db.webhookDelivery.findMany({ where: { tenantId: id }, orderBy: { eventType: 'desc' } });
    const month = new Date().toISOString().slice(0, 7);
    expect(deliveries.map((d) => [d.eventType, d.eventKey])).toEqual([
      ['quota.warning', `quota.warning:${month}`],
      ['quota.exhausted', `quota.exhausted:${month}`],
    ]);
    expect(deliveries[1].payload).toEqual({ tenant_id: id, month, used_seconds: expect.any(Number), budget_seconds: 60 });
    expect((deliveries[1].payload as { used_seconds: number }).used_seconds).toBeGreaterThanOrEqual(60);
  });
});
