import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { verifyWebhookSignature } from '../../libs/tenancy/src';
import { apiClient, ApiClient, ApiResponse, startedSession } from '../support/clients';
import { Platform, startPlatform, TEST_ADMIN_TOKEN } from '../support/platform';

/** One request a receiver got. */
interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: { id: string; type: string; created_at: string; tenant_id: string; data: Record<string, any> };
  at: number;
}

/**
 * A local webhook receiver. Paths behave differently: /flaky answers 500 to the first
 * two attempts of each delivery, /gone answers 410, /down answers 503 while `down`,
 * anything else 200.
 */
async function startReceiver() {
  const received: Received[] = [];
  const attemptsById = new Map<string, number>();
  const state = { down: true };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const at = Date.now();
      const path = req.url ?? '';
      const id = String(req.headers['webhook-id']);
      const attempt = (attemptsById.get(`${path} ${id}`) ?? 0) + 1;
      attemptsById.set(`${path} ${id}`, attempt);
      received.push({ path, headers: req.headers, raw, body: JSON.parse(raw), at });
      const status = path === '/flaky' && attempt <= 2 ? 500 : path === '/gone' ? 410 : path === '/down' && state.down ? 503 : 200;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : `failing on purpose (${status})`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    received,
    state,
    at: (path: string) => received.filter((r) => r.path === path),
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

async function eventually<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)];

describe('webhooks (real processes, a local receiver)', () => {
  let platform: Platform;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let admin: ApiClient;
  let api: ApiClient;
  let other: ApiClient;
  /** Tenant B's endpoint (every event type), registered before anything happens. */
  let otherSecret: string;
  const otherSessions: string[] = [];
  const secrets = new Map<string, string>();

  const hooks = (tenantId: string) => `/admin/v1/tenants/${tenantId}/webhooks`;
  const remove = (path: string, token = TEST_ADMIN_TOKEN) =>
    fetch(platform.apiUrl + path, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } }).then(async (r) => ({ status: r.status, body: (await r.text()) || undefined }));

  /** Registers an endpoint of tenant A at `path` on the receiver; returns its id (and keeps its secret). */
  async function register(path: string, events: string[], tenantId = platform.tenants.a.id): Promise<string> {
    const created = await admin.post(hooks(tenantId), { url: receiver.base + path, events });
    expect(created.status).toBe(201);
    secrets.set(path, created.body.secret);
    return created.body.id;
  }

  function expectSigned(request: Received, secret: string): void {
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['webhook-id']).toBe(request.body.id);
    expect(verifyWebhookSignature(secret, request.headers['webhook-signature'] as string, request.headers['webhook-timestamp'] as string, request.raw)).toBe(true);
    // Any other secret or a changed body does not verify.
    expect(verifyWebhookSignature(secret + 'x', request.headers['webhook-signature'] as string, request.headers['webhook-timestamp'] as string, request.raw)).toBe(false);
    expect(verifyWebhookSignature(secret, request.headers['webhook-signature'] as string, request.headers['webhook-timestamp'] as string, request.raw + ' ')).toBe(false);
  }

  const forSession = (path: string, type: string, sessionId: string) => () => receiver.at(path).find((r) => r.body.type === type && r.body.data.session_id === sessionId);

  async function deliveries(webhookId: string, query = ''): Promise<ApiResponse> {
    return admin.get(`${hooks(platform.tenants.a.id)}/${webhookId}/deliveries${query}`);
  }

  beforeAll(async () => {
    receiver = await startReceiver();
    // Short backoff (300 ms, 600 ms, …) so retries happen within the test; no rate
    // limits: the latency run creates twenty sessions in a few seconds.
    platform = await startPlatform({ env: { WEBHOOK_BACKOFF_BASE_MS: '300', RATE_LIMITS: 'off' } });
    admin = apiClient(platform.apiUrl, TEST_ADMIN_TOKEN);
    api = apiClient(platform.apiUrl, platform.tenants.a.apiKey);
    other = apiClient(platform.apiUrl, platform.tenants.b.apiKey);
    const created = await admin.post(hooks(platform.tenants.b.id), {
      url: `${receiver.base}/b`,
      events: ['session.started', 'session.stopped', 'task.failed', 'quota.warning', 'quota.exhausted'],
    });
    expect(created.status).toBe(201);
    otherSecret = created.body.secret;
  });
  afterAll(async () => {
    await platform?.stop();
    await receiver?.close();
  });

  describe('admin API', () => {
    it('registers an endpoint and shows its secret once; the list never shows it', async () => {
      const created = await admin.post(hooks(platform.tenants.a.id), { url: `${receiver.base}/listed`, events: ['task.failed'] });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({ id: expect.any(String), url: `${receiver.base}/listed`, events: ['task.failed'], secret: expect.stringMatching(/^whsec_[A-Za-z0-9_-]{43}$/), created_at: expect.any(String) });

      const list = await admin.get(hooks(platform.tenants.a.id));
      expect(list.status).toBe(200);
      expect(list.body.webhooks).toContainEqual({ id: created.body.id, url: `${receiver.base}/listed`, events: ['task.failed'], created_at: created.body.created_at, disabled_at: null });
      expect(JSON.stringify(list.body)).not.toContain(created.body.secret);
      const row = await platform.db.webhookEndpoint.findUniqueOrThrow({ where: { id: created.body.id } });
      expect(Buffer.from(row.sealedSecret).toString('latin1')).not.toContain(created.body.secret);

      // Deleted: answered 204, listed as disabled, and repeatable.
      expect((await remove(`${hooks(platform.tenants.a.id)}/${created.body.id}`)).status).toBe(204);
      expect((await remove(`${hooks(platform.tenants.a.id)}/${created.body.id}`)).status).toBe(204);
      const after = await admin.get(hooks(platform.tenants.a.id));
      expect(after.body.webhooks.find((w: { id: string }) => w.id === created.body.id).disabled_at).toEqual(expect.any(String));
    });

    it('refuses bad input, unknown tenants, and anything but the admin token', async () => {
      const a = hooks(platform.tenants.a.id);
      const before = await platform.db.webhookEndpoint.count();
      for (const body of [{ url: 'ftp://x/hook', events: ['session.started'] }, { url: `${receiver.base}/x`, events: [] }, { url: `${receiver.base}/x`, events: ['task.completed'] }]) {
        const bad = await admin.post(a, body);
        expect(bad.status).toBe(400);
        expect(bad.body.error.code).toBe('VALIDATION_ERROR');
      }
      expect((await admin.post(hooks('00000000-0000-4000-8000-000000000000'), { url: `${receiver.base}/x`, events: ['session.started'] })).status).toBe(404);
      expect((await apiClient(platform.apiUrl).post(a, { url: `${receiver.base}/x`, events: ['session.started'] })).status).toBe(401);
      expect((await api.post(a, { url: `${receiver.base}/x`, events: ['session.started'] })).status).toBe(401);
      expect((await api.get(a)).status).toBe(401);
      expect(await platform.db.webhookEndpoint.count()).toBe(before);
    });

    it("another tenant's webhook id answers exactly like an unknown one (404)", async () => {
      const mine = await register('/isolation', ['quota.warning']);
      const theirs = hooks(platform.tenants.b.id);
      const unknown = '00000000-0000-4000-8000-000000000000';
      for (const id of [mine, unknown]) {
        const list = await admin.get(`${theirs}/${id}/deliveries`);
        expect(list.status).toBe(404);
        expect(list.body.error.code).toBe('NOT_FOUND');
        expect((await remove(`${theirs}/${id}`)).status).toBe(404);
        expect((await admin.post(`${theirs}/${id}/deliveries/${unknown}/retry`)).status).toBe(404);
      }
      expect((await deliveries(mine)).status).toBe(200);
      expect((await platform.db.webhookEndpoint.findUniqueOrThrow({ where: { id: mine } })).disabledAt).toBeNull();
    });
  });

  it('session.started and session.stopped (with duration and billed seconds) arrive signed, and are listed as delivered', async () => {
    const webhookId = await register('/a', ['session.started', 'session.stopped']);
    const { sessionId } = await startedSession(api);
    const task = (await api.post('/v1/avatar.speak', { session_id: sessionId, text: 'Hello there.' })).body.task_id;
    await eventually('the task to complete', async () => (await api.get(`/v1/tasks/${task}`)).body.status === 'completed');
    const stopped = await api.post('/v1/streaming.stop', { session_id: sessionId });
    expect(stopped.status).toBe(200);

    const started = await eventually('session.started', forSession('/a', 'session.started', sessionId));
    const stoppedHook = await eventually('session.stopped', forSession('/a', 'session.stopped', sessionId));
    for (const request of [started, stoppedHook]) {
      expectSigned(request, secrets.get('/a')!);
      expect(request.body).toEqual({ id: expect.any(String), type: request.body.type, created_at: expect.any(String), tenant_id: platform.tenants.a.id, data: expect.any(Object) });
    }
    expect(started.body.data).toEqual({ session_id: sessionId, occurred_at: expect.any(String) });
    expect(stoppedHook.body.data).toEqual({
      session_id: sessionId,
      reason: 'client_stop',
      duration: stopped.body.duration,
      billed_seconds: Math.ceil(stopped.body.duration),
      occurred_at: expect.any(String),
    });

    const listed = await eventually('both delivered', async () => {
      const page = await deliveries(webhookId);
      return page.body.deliveries.filter((d: { status: string }) => d.status === 'delivered').length === 2 ? page : undefined;
    });
    expect(listed.body.deliveries.map((d: { event_type: string }) => d.event_type).sort()).toEqual(['session.started', 'session.stopped']);
    for (const d of listed.body.deliveries) {
      expect(d).toMatchObject({ webhook_id: webhookId, status: 'delivered', attempts: 1, last_status: 200, last_error: null, last_attempt_at: expect.any(String), delivered_at: expect.any(String) });
      expect([started.body.id, stoppedHook.body.id]).toContain(d.id);
    }
  });

  it('a receiver that fails twice (500) then succeeds: delivered with 3 attempts, visible through the admin API', async () => {
    const webhookId = await register('/flaky', ['session.started']);
    const { sessionId } = await startedSession(api);

    const delivered = await eventually('the third attempt to be recorded', async () => {
      const page = await deliveries(webhookId, '?status=delivered');
      return page.body.deliveries.find((d: { data: { session_id: string } }) => d.data.session_id === sessionId);
    });

    expect(delivered).toMatchObject({ event_type: 'session.started', status: 'delivered', attempts: 3, last_status: 200 });
    const attempts = receiver.at('/flaky').filter((r) => r.body.data.session_id === sessionId);
    expect(attempts).toHaveLength(3);
    // The same delivery each time: one Webhook-Id, one body; each attempt signed anew.
    expect(new Set(attempts.map((r) => r.headers['webhook-id']))).toEqual(new Set([delivered.id]));
    expect(new Set(attempts.map((r) => r.raw)).size).toBe(1);
    for (const attempt of attempts) expectSigned(attempt, secrets.get('/flaky')!);
    await api.post('/v1/streaming.stop', { session_id: sessionId });
  });

  it('a failed delivery is retried through the admin API once the receiver is back', async () => {
    const webhookId = await register('/down', ['session.started']);
    receiver.state.down = true;
    const { sessionId } = await startedSession(api);
    const failing = await eventually('a failed attempt', async () => {
      const page = await deliveries(webhookId);
      return page.body.deliveries.find((d: { data: { session_id: string }; attempts: number }) => d.data.session_id === sessionId && d.attempts >= 1);
    });
    expect(failing).toMatchObject({ status: 'pending', last_status: 503, last_error: expect.stringContaining('HTTP 503'), delivered_at: null });

    // WEBHOOK_RETRY_HOURS later: given up (the window is at least an hour, so the test moves it).
    await platform.db.webhookDelivery.update({ where: { id: failing.id }, data: { status: 'failed' } });
    expect((await deliveries(webhookId, '?status=failed')).body.deliveries.map((d: { id: string }) => d.id)).toContain(failing.id);
    receiver.state.down = false;

    const retried = await admin.post(`${hooks(platform.tenants.a.id)}/${webhookId}/deliveries/${failing.id}/retry`);
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ id: failing.id, status: 'pending' });

    const delivered = await eventually('the retried delivery', async () => {
      const page = await deliveries(webhookId, '?status=delivered');
      return page.body.deliveries.find((d: { id: string }) => d.id === failing.id);
    });
    expect(delivered.attempts).toBeGreaterThan(failing.attempts);
    expect(delivered.last_status).toBe(200);
    const retry = await admin.post(`${hooks(platform.tenants.a.id)}/${webhookId}/deliveries/${failing.id}/retry`);
    expect(retry.status).toBe(400);
    await api.post('/v1/streaming.stop', { session_id: sessionId });
  });

  it('410 Gone disables the endpoint: the delivery fails at once and nothing more is sent to it', async () => {
    const webhookId = await register('/gone', ['session.started']);
    const first = await startedSession(api);
    const failed = await eventually('the delivery to fail', async () => (await deliveries(webhookId, '?status=failed')).body.deliveries[0]);
    expect(failed).toMatchObject({ attempts: 1, last_status: 410 });
    const list = await admin.get(hooks(platform.tenants.a.id));
    expect(list.body.webhooks.find((w: { id: string }) => w.id === webhookId).disabled_at).toEqual(expect.any(String));

    const second = await startedSession(api);
    // Another endpoint of the tenant got the second session.started: /gone had its chance.
    await eventually('the second session at /a', forSession('/a', 'session.started', second.sessionId));
    expect(receiver.at('/gone')).toHaveLength(1);
    for (const s of [first, second]) await api.post('/v1/streaming.stop', { session_id: s.sessionId });
  });

  it('task.failed is delivered (a task that failed while no worker was running is announced when one starts)', async () => {
    await register('/tasks', ['task.failed']);
    const { sessionId } = await startedSession(api);
    const workers = platform.apps.filter((a) => a.name === 'worker');
    await Promise.all(workers.map((w) => w.stop('SIGTERM')));
    for (const w of workers) platform.apps.splice(platform.apps.indexOf(w), 1);

    const task = (await api.post('/v1/avatar.speak', { session_id: sessionId, text: 'This will fail.' })).body.task_id;
    // What a worker that died right after failing the task leaves behind: failed, not yet announced.
    await platform.db.speechTask.update({ where: { id: task }, data: { status: 'failed', error: 'vendor down', endedAt: new Date(), announcedAt: null } });
    await platform.startApp('worker');

    const failed = await eventually('task.failed', () => receiver.at('/tasks').find((r) => r.body.data.task_id === task));
    expectSigned(failed, secrets.get('/tasks')!);
    expect(failed.body).toMatchObject({ type: 'task.failed', tenant_id: platform.tenants.a.id, data: { session_id: sessionId, task_id: task, error: 'vendor down' } });
    await api.post('/v1/streaming.stop', { session_id: sessionId });
  });

  it('a delivery recorded but never queued (a crash, or a quota event recorded elsewhere) is sent by the sweeper', async () => {
    const webhookId = await register('/swept', ['quota.warning']);
    const id = randomUUID();
    // What the quota enforcer's outbox insert leaves: a pending row, no job.
    await platform.db.webhookDelivery.create({
      data: { id, tenantId: platform.tenants.a.id, endpointId: webhookId, eventType: 'quota.warning', eventKey: 'quota.warning:2026-11', payload: { month: '2026-11', used_percent: 80 } },
    });

    const request = await eventually('the swept delivery', () => receiver.at('/swept').find((r) => r.body.id === id), 45_000);
    expectSigned(request, secrets.get('/swept')!);
    expect(request.body).toMatchObject({ type: 'quota.warning', tenant_id: platform.tenants.a.id, data: { month: '2026-11', used_percent: 80 } });
  });

  it('measures delivery latency (event emitted → receiver got it) over 20 sessions', async () => {
    await register('/latency', ['session.started', 'session.stopped']);
    const sessions: string[] = [];
    for (let i = 0; i < 20; i++) {
      const { sessionId } = await startedSession(api);
      await api.post('/v1/streaming.stop', { session_id: sessionId });
      sessions.push(sessionId);
    }
    const all = await eventually('40 deliveries', () => {
      const got = receiver.at('/latency').filter((r) => sessions.includes(r.body.data.session_id));
      return got.length >= 40 ? got : undefined;
    });
    expect(all).toHaveLength(40);
    const latencies = all.map((r) => r.at - Date.parse(r.body.data.occurred_at));
    // Split at the outbox insert (the delivery's created_at): event → recorded, recorded → received.
    const recorded = all.map((r) => Date.parse(r.body.created_at) - Date.parse(r.body.data.occurred_at));
    const sent = all.map((r) => r.at - Date.parse(r.body.created_at));
    const figures = (values: number[]) => ({ p50: percentile(values, 50), p95: percentile(values, 95), max: Math.max(...values) });
    // Figures for the report, not assertions (shared 2-core machine).
    process.stdout.write(`webhook delivery latency over ${all.length} deliveries (ms): total ${JSON.stringify(figures(latencies))}, event → recorded ${JSON.stringify(figures(recorded))}, recorded → received ${JSON.stringify(figures(sent))}\n`);
    expect(latencies.every((l) => l >= 0)).toBe(true);
  });

  it("tenant B's endpoint received its own events and nothing of tenant A's", async () => {
    const { sessionId } = await startedSession(other);
    otherSessions.push(sessionId);
    await other.post('/v1/streaming.stop', { session_id: sessionId });
    await eventually("B's session.stopped", forSession('/b', 'session.stopped', sessionId));

    const atB = receiver.at('/b');
    expect(atB.map((r) => r.body.type).sort()).toEqual(['session.started', 'session.stopped']);
    for (const request of atB) {
      expect(request.body.tenant_id).toBe(platform.tenants.b.id);
      expect(otherSessions).toContain(request.body.data.session_id);
      expectSigned(request, otherSecret);
    }
    // And tenant A's receivers never saw B's session.
    expect(receiver.received.filter((r) => r.path !== '/b' && r.body.data.session_id === sessionId)).toEqual([]);
  });
});
