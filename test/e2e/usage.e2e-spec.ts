// Usage, history and the session list on real processes. Usage figures come from
// sessions inserted with chosen start, duration and bill (a controllable clock: the
// ranges are in 2025), so every total is checked to the millisecond; one session
// spans a month end and one spans midnight. A second tenant's sessions sit in the
// same days and are never counted.
import { randomUUID } from 'node:crypto';
import { apiClient, ApiClient, openSocket, sessionSocketUrl, startedSession } from '../support/clients';
import { createApiKey, Platform, startPlatform, TEST_ADMIN_TOKEN } from '../support/platform';

describe('usage, history and the session list', () => {
  let platform: Platform;
  let api: ApiClient;
  let other: ApiClient;
  let admin: ApiClient;

  beforeAll(async () => {
    platform = await startPlatform({ env: { RATE_LIMITS: 'off' } });
    api = apiClient(platform.apiUrl, platform.tenants.a.apiKey);
    other = apiClient(platform.apiUrl, platform.tenants.b.apiKey);
    admin = apiClient(platform.apiUrl, TEST_ADMIN_TOKEN);
  });
  afterAll(() => platform?.stop());

  /** A stopped session of the tenant from `start`, lasting `durationMs`, billed `billed`. */
  async function stopped(tenantId: string, start: string, durationMs: number, billed: number, extra: { provider?: string; avatar?: string } = {}): Promise<string> {
    const id = randomUUID();
    await platform.db.$executeRawUnsafe(
      `INSERT INTO sessions (id, tenant_id, provider, avatar_id, quality, status, created_at, started_at, ended_at, duration_ms, billed_seconds, end_reason)
       VALUES ($1::uuid, $2::uuid, $3, $4, 'medium', 'stopped', $5::timestamptz, $5::timestamptz, $5::timestamptz + $6 * interval '1 millisecond', $6, $7, 'client_stop')`,
      id,
      tenantId,
      extra.provider ?? 'local',
      extra.avatar ?? 'avatar_1',
      start,
      durationMs,
      billed,
    );
    return id;
  }

  async function spoke(tenantId: string, sessionId: string, seq: number, start: string, spokenMs: number): Promise<void> {
    await platform.db.$executeRawUnsafe(
      `INSERT INTO speech_tasks (id, tenant_id, session_id, seq, text, status, duration_estimate_ms, started_at, ended_at, spoken_ms)
       VALUES ($1::uuid, $2::uuid, $3::uuid, $4, 'hi', 'completed', 1000, $5::timestamptz, $5::timestamptz + $6 * interval '1 millisecond', $6)`,
      randomUUID(),
      tenantId,
      sessionId,
      seq,
      start,
      spokenMs,
    );
  }

  describe('GET /v1/usage and GET /admin/v1/usage', () => {
    const FEBRUARY = 'from=2025-02-01&to=2025-03-01';

    beforeAll(async () => {
      const a = platform.tenants.a.id;
      await stopped(a, '2025-01-31T23:59:30.400Z', 74_700, 75, { avatar: 'x' }); // over the month end: 29.6 s in January, 45.1 s in February
      const overMidnight = await stopped(a, '2025-02-14T23:59:00.000Z', 120_500, 121, { avatar: 'y' }); // 60 s on the 14th, 60.5 s on the 15th
      await stopped(a, '2025-02-20T10:00:00.000Z', 4_200, 60, { provider: 'heygen', avatar: 'x' }); // a minimum charge
      await spoke(a, overMidnight, 1, '2025-02-14T23:59:59.000Z', 2_500); // 1 s on the 14th, 1.5 s on the 15th
      // The other tenant, on the same days: never in tenant a's figures.
      await stopped(platform.tenants.b.id, '2025-02-14T12:00:00.000Z', 999_999, 1000);
      await stopped(platform.tenants.b.id, '2025-02-01T00:00:00.000Z', 10_000, 10);
    });

    it('answers the tenant’s February by UTC day: sessions split at the month end and at midnight, to the millisecond, bills adding up', async () => {
      const response = await api.get(`/v1/usage?${FEBRUARY}&group_by=day`);

      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        tenant_id: platform.tenants.a.id,
        from: '2025-02-01T00:00:00.000Z',
        to: '2025-03-01T00:00:00.000Z',
        group_by: 'day',
        as_of: expect.any(String),
        rows: [
          { key: '2025-02-01', sessions: 1, duration_seconds: 45.1, billed_seconds: 46, spoken_seconds: 0 },
          { key: '2025-02-14', sessions: 1, duration_seconds: 60, billed_seconds: 60, spoken_seconds: 1 },
          { key: '2025-02-15', sessions: 1, duration_seconds: 60.5, billed_seconds: 61, spoken_seconds: 1.5 },
          { key: '2025-02-20', sessions: 1, duration_seconds: 4.2, billed_seconds: 60, spoken_seconds: 0 },
        ],
        totals: { sessions: 3, duration_seconds: 169.8, billed_seconds: 227, spoken_seconds: 2.5 },
      });
    });

    it('gives each month its part of a session over the month end, the two adding up to the session exactly', async () => {
      const january = (await api.get('/v1/usage?from=2025-01-01&to=2025-02-01')).body.totals;
      const february = (await api.get(`/v1/usage?${FEBRUARY}`)).body.rows[0];

      expect(january).toEqual({ sessions: 1, duration_seconds: 29.6, billed_seconds: 29, spoken_seconds: 0 });
      expect(Math.round((january.duration_seconds + february.duration_seconds) * 1000)).toBe(74_700);
      expect(january.billed_seconds + february.billed_seconds).toBe(75);
      // A lone `to` starts at the beginning of its month.
      expect((await api.get('/v1/usage?to=2025-02-01')).body).toMatchObject({ from: '2025-01-01T00:00:00.000Z', totals: january });
    });

    it('groups by provider and by avatar', async () => {
      expect((await api.get(`/v1/usage?${FEBRUARY}&group_by=provider`)).body.rows).toEqual([
        { key: 'heygen', sessions: 1, duration_seconds: 4.2, billed_seconds: 60, spoken_seconds: 0 },
        { key: 'local', sessions: 2, duration_seconds: 165.6, billed_seconds: 167, spoken_seconds: 2.5 },
      ]);
      expect((await api.get(`/v1/usage?${FEBRUARY}&group_by=avatar`)).body.rows).toEqual([
        { key: 'x', sessions: 2, duration_seconds: 49.3, billed_seconds: 106, spoken_seconds: 0 },
        { key: 'y', sessions: 1, duration_seconds: 120.5, billed_seconds: 121, spoken_seconds: 2.5 },
      ]);
    });

    it('answers CSV for format=csv and for Accept: text/csv', async () => {
      const expected =
        'day,sessions,duration_seconds,billed_seconds,spoken_seconds\r\n' +
        '2025-02-01,1,45.1,46,0\r\n2025-02-14,1,60,60,1\r\n2025-02-15,1,60.5,61,1.5\r\n2025-02-20,1,4.2,60,0\r\n';
      for (const [path, headers] of [
        [`/v1/usage?${FEBRUARY}&format=csv`, {}],
        [`/v1/usage?${FEBRUARY}`, { accept: 'text/csv' }],
      ] as const) {
        const response = await fetch(platform.apiUrl + path, { headers: { authorization: `Bearer ${platform.tenants.a.apiKey}`, ...headers } });
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
        expect(await response.text()).toBe(expected);
      }
    });

    it('answers an operator the same report for any tenant, JSON or CSV; the other tenant sees only its own', async () => {
      const mine = await api.get(`/v1/usage?${FEBRUARY}&group_by=day`);
      const byAdmin = await admin.get(`/admin/v1/usage?tenant_id=${platform.tenants.a.id}&${FEBRUARY}&group_by=day`);
      expect(byAdmin.status).toBe(200);
      expect({ ...byAdmin.body, as_of: null }).toEqual({ ...mine.body, as_of: null });

      const csv = await fetch(`${platform.apiUrl}/admin/v1/usage?tenant_id=${platform.tenants.a.id}&${FEBRUARY}&group_by=provider&format=csv`, {
        headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
      });
      expect(await csv.text()).toBe('provider,sessions,duration_seconds,billed_seconds,spoken_seconds\r\nheygen,1,4.2,60,0\r\nlocal,2,165.6,167,2.5\r\n');

      const theirs = await other.get(`/v1/usage?${FEBRUARY}`);
      expect(theirs.body.tenant_id).toBe(platform.tenants.b.id);
      expect(theirs.body.totals).toEqual({ sessions: 2, duration_seconds: 1009.999, billed_seconds: 1010, spoken_seconds: 0 });
    });

    it('keeps the credentials apart and validates the query', async () => {
      expect((await api.get(`/admin/v1/usage?tenant_id=${platform.tenants.a.id}`)).status).toBe(401);
      expect((await admin.get('/v1/usage')).status).toBe(401);
      const noScope = apiClient(platform.apiUrl, await createApiKey(platform.db, platform.tenants.a.id, ['sessions:read']));
      expect((await noScope.get('/v1/usage')).body.error).toMatchObject({ code: 'FORBIDDEN', details: { required_scope: 'usage:read' } });

      for (const query of ['from=2025-03-01&to=2025-02-01', 'from=2024-01-01&to=2025-02-01', 'from=yesterday', 'group_by=week', 'tenant_id=x']) {
        const response = await api.get(`/v1/usage?${query}`);
        expect(response.status).toBe(400);
        expect(response.body.error.code).toBe('VALIDATION_ERROR');
      }
      expect((await admin.get('/admin/v1/usage')).body.error.code).toBe('VALIDATION_ERROR');
    });

    it('counts a running session’s time up to now, and nothing billed until it ends', async () => {
      const { sessionId } = await startedSession(api);
      await new Promise((r) => setTimeout(r, 300));

      const today = (await api.get('/v1/usage?group_by=provider')).body;
      await api.post('/v1/streaming.stop', { session_id: sessionId });
      const after = (await api.get('/v1/usage?group_by=provider')).body;

      expect(today.totals.duration_seconds).toBeGreaterThanOrEqual(0.3);
      const row = await platform.db.session.findFirstOrThrow({ where: { id: sessionId } });
      expect(after.totals.billed_seconds - today.totals.billed_seconds).toBe(row.billedSeconds);
    });
  });

  describe('GET /v1/sessions/{session_id}', () => {
    it('answers a session with its bill, its tasks (text, spoken seconds) and its recorded event history in stream order', async () => {
      const { sessionId, token } = await startedSession(api);
      const socket = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));
      const spoken = await api.post('/v1/avatar.speak', { session_id: sessionId, text: 'Hello there, friend.' });
      await socket.waitFor((e) => e.type === 'task.completed');
      const stop = await api.post('/v1/streaming.stop', { session_id: sessionId });
      await socket.close();
      expect(stop.body).toEqual({ status: 'stopped', duration: expect.any(Number), billed_seconds: Math.ceil(stop.body.duration) });

      // The history recorder writes events a moment after they are published.
      let history = await api.get(`/v1/sessions/${sessionId}`);
      const deadline = Date.now() + 10_000;
      while (!history.body.events?.some((e: any) => e.type === 'session.stopped') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        history = await api.get(`/v1/sessions/${sessionId}`);
      }

      expect(history.status).toBe(200);
      expect(history.body).toMatchObject({
        session_id: sessionId,
        status: 'stopped',
        provider: 'local',
        avatar_id: 'avatar_1',
        end_reason: 'client_stop',
        duration: stop.body.duration,
        billed_seconds: stop.body.billed_seconds,
        tasks_truncated: false,
        events_truncated: false,
      });
      const task = await platform.db.speechTask.findFirstOrThrow({ where: { id: spoken.body.task_id } });
      expect(history.body.tasks).toEqual([
        {
          task_id: spoken.body.task_id,
          seq: 1,
          status: 'completed',
          text: 'Hello there, friend.',
          duration_estimate: spoken.body.duration_estimate,
          spoken_seconds: task.spokenMs! / 1000,
          attempts: 1,
          created_at: task.createdAt.toISOString(),
          started_at: task.startedAt!.toISOString(),
          ended_at: task.endedAt!.toISOString(),
          error: null,
        },
      ]);
      expect(task.spokenMs).toBe(task.endedAt!.getTime() - task.startedAt!.getTime());
      const types = history.body.events.map((e: any) => e.type);
      expect(types).toEqual(expect.arrayContaining(['session.started', 'task.started', 'task.completed', 'session.stopped']));
      const ids = history.body.events.map((e: any) => e.id);
      expect(ids).toEqual([...ids].sort((x: number, y: number) => x - y));
      expect(history.body.events.find((e: any) => e.type === 'session.stopped').payload).toMatchObject({ reason: 'client_stop', billed_seconds: stop.body.billed_seconds });
    });

    it('answers another tenant’s session exactly as an unknown one: 404 SESSION_NOT_FOUND', async () => {
      const { sessionId } = await startedSession(api);
      const unknown = '00000000-0000-4000-8000-000000000000';

      const foreign = await other.get(`/v1/sessions/${sessionId}`);
      const missing = await other.get(`/v1/sessions/${unknown}`);

      expect(foreign.status).toBe(404);
      expect(foreign.body).toEqual({ error: { code: 'SESSION_NOT_FOUND', message: missing.body.error.message, details: { session_id: sessionId } } });
      expect(missing.body.error).toMatchObject({ code: 'SESSION_NOT_FOUND', details: { session_id: unknown } });
      expect((await api.get('/v1/sessions/not-a-uuid')).status).toBe(400);
    });
  });

  describe('GET /v1/streaming.sessions', () => {
    it('filters by status, provider and creation time, sorts, and pages by cursor through every session once (limit/offset still work)', async () => {
      // A tenant of its own, so the totals are this test's sessions only.
      const tenantId = randomUUID();
      const client = apiClient(platform.apiUrl, await createApiKey(platform.db, tenantId));
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(await stopped(tenantId, `2025-06-0${i + 1}T12:00:00.000Z`, 1000, 1, { provider: i === 4 ? 'heygen' : 'local' }));
      const live = (await client.post('/v1/streaming.new', {})).body.session_id as string;

      const seen: string[] = [];
      let page = await client.get('/v1/streaming.sessions?limit=2&sort=created_at');
      for (;;) {
        expect(page.status).toBe(200);
        expect(page.body.total).toBe(6);
        seen.push(...page.body.sessions.map((s: any) => s.session_id));
        if (!page.body.next_cursor) break;
        page = await client.get(`/v1/streaming.sessions?limit=2&sort=created_at&cursor=${page.body.next_cursor}`);
      }
      expect(seen).toEqual([...ids, live]);

      const newest = await client.get('/v1/streaming.sessions?limit=1');
      expect(newest.body.sessions.map((s: any) => s.session_id)).toEqual([live]);
      const june = await client.get('/v1/streaming.sessions?status=stopped&from=2025-06-02&to=2025-06-04T12:00:00Z');
      expect(june.body).toMatchObject({ total: 2, next_cursor: null });
      expect(june.body.sessions.map((s: any) => s.session_id)).toEqual([ids[2], ids[1]]);
      expect(june.body.sessions[0]).toMatchObject({ billed_seconds: 1, duration: 1, end_reason: 'client_stop' });
      expect((await client.get('/v1/streaming.sessions?offset=1&limit=1&sort=created_at')).body.sessions[0].session_id).toBe(ids[1]);
      expect((await client.get('/v1/streaming.sessions?cursor=bm9wZQ')).status).toBe(400);
    });
  });
});
