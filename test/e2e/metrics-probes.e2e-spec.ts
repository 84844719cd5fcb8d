// Metrics, probes and structured logs of the three apps, on the real platform: every
// app's /metrics is Prometheus text whose metrics move when a speak goes through, the
// gateway answers the reference JSON on request, /health/live and /health/ready answer
// what an orchestrator needs (ready 503 while draining or with a dependency down, live
// 200 all along), and JSON log lines carry request and trace ids and no credentials.
import { randomUUID } from 'node:crypto';
import * as infra from '../../scripts/infra';
import { SystemMetricsResponse } from '../../libs/contracts/src';
import { apiClient, ApiClient, EventSocket, openSocket, sessionSocketUrl, startedSession } from '../support/clients';
import { AppProcess, Platform, startPlatform, TEST_ADMIN_TOKEN } from '../support/platform';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?(?:\d+(?:\.\d*)?(?:e[+-]?\d+)?|\.\d+)|NaN|[+-]Inf)$/i;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/g;

/** Parses the Prometheus text format; throws on any line that is not a comment or a sample. */
function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const match = SAMPLE_LINE.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(LABEL)) labels[name] = value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

async function scrape(app: AppProcess): Promise<Sample[]> {
  const response = await fetch(`${app.httpUrl}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheus(await response.text());
}

/** The value of one series (0 when absent: a counter not yet incremented has no series). */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return found.reduce((sum, s) => sum + s.value, 0);
}

async function waitUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  for (;;) {
    last = await read();
    if (done(last)) return last;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(last)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const probe = async (app: AppProcess, path: string): Promise<{ status: number; body: any }> => {
  const response = await fetch(`${app.httpUrl}${path}`).catch(() => undefined);
  return response ? { status: response.status, body: await response.json() } : { status: 0, body: undefined };
};

describe('metrics, probes and logs', () => {
  let platform: Platform;
  let api: ApiClient;
  const app = (name: string) => platform.apps.find((a) => a.name === name && a.exit() === null)!;

  beforeAll(async () => {
    platform = await startPlatform();
    api = apiClient(platform.apiUrl, platform.tenants.a.apiKey);
  });
  afterAll(() => platform?.stop());

  it('serves /health/live and /health/ready with 200 on all three apps, and the worker its reference /health', async () => {
    for (const name of ['gateway', 'notifier', 'worker']) {
      const live = await probe(app(name), '/health/live');
      expect({ name, status: live.status, body: live.body }).toEqual({ name, status: 200, body: { status: 'alive', uptime: expect.any(Number), draining: false } });
      const ready = await probe(app(name), '/health/ready');
      expect({ name, status: ready.status, draining: ready.body.draining, status_: ready.body.status }).toEqual({ name, status: 200, draining: false, status_: 'ready' });
    }
    expect((await probe(app('gateway'), '/health/ready')).body.services).toEqual({ api: 'healthy', redis: 'healthy', nats: 'healthy', database: 'healthy' });
    expect((await probe(app('notifier'), '/health/ready')).body.services).toEqual({ websocket: 'healthy', nats: 'healthy', redis: 'healthy' });
    const worker = await probe(app('worker'), '/health');
    expect(worker).toMatchObject({ status: 200, body: { status: 'healthy', services: { worker: 'healthy', redis: 'healthy', nats: 'healthy', database: 'healthy' } } });
  });

  it("serves Prometheus text on every app's /metrics: the process metrics under avatar_, each series labelled with its app", async () => {
    for (const name of ['gateway', 'notifier', 'worker']) {
      const samples = await scrape(app(name));
      expect(valueOf(samples, 'avatar_process_cpu_user_seconds_total', { app: name })).toBeGreaterThan(0);
      expect(samples.filter((s) => s.name.startsWith('avatar_nodejs_eventloop_lag')).length).toBeGreaterThan(0);
      expect(samples.every((s) => s.name.startsWith('avatar_') && s.labels.app === name)).toBe(true);
    }
  });

  describe('a speak moves them', () => {
    let sessionId: string;
    let socket: EventSocket;
    let before: { gateway: Sample[]; worker: Sample[] };

    beforeAll(async () => {
      before = { gateway: await scrape(app('gateway')), worker: await scrape(app('worker')) };
      const session = await startedSession(api);
      sessionId = session.sessionId;
      socket = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, session.token));
      const speak = await api.post('/v1/avatar.speak', { session_id: sessionId, text: 'Metrics, please.' });
      expect(speak.status).toBe(200);
      await socket.waitFor((e) => e.type === 'task.completed' && e.task_id === speak.body.task_id);
    });
    afterAll(async () => {
      await socket?.close();
      if (sessionId) await api.post('/v1/streaming.stop', { session_id: sessionId });
    });

    it('counts the speak request by route template, method and status, and times it', async () => {
      const after = await scrape(app('gateway'));
      const speak = { route: '/v1/avatar.speak', method: 'POST', status: '200' };
      expect(valueOf(after, 'avatar_http_requests_total', speak) - valueOf(before.gateway, 'avatar_http_requests_total', speak)).toBe(1);
      expect(valueOf(after, 'avatar_http_request_duration_seconds_count', speak) - valueOf(before.gateway, 'avatar_http_request_duration_seconds_count', speak)).toBe(1);
      // Never a raw URL (ids) as a label: an unknown path is one "unmatched" series.
      await api.get(`/v1/nothing-here/${randomUUID()}`);
      const routes = new Set((await scrape(app('gateway'))).filter((s) => s.name === 'avatar_http_requests_total').map((s) => s.labels.route));
      expect(routes).toContain('unmatched');
      expect([...routes].some((r) => /[0-9a-f]{8}-[0-9a-f]{4}/.test(r))).toBe(false);
    });

    it('times speak → first event (task.started and the first frame), the job, and reports the queue on the worker', async () => {
      const after = await scrape(app('worker'));
      const count = (samples: Sample[], event: string) => valueOf(samples, 'avatar_speak_first_event_seconds_count', { provider: 'local', event });
      expect(count(after, 'task_started') - count(before.worker, 'task_started')).toBe(1);
      expect(count(after, 'first_media') - count(before.worker, 'first_media')).toBe(1);
      const jobs = (samples: Sample[]) => valueOf(samples, 'avatar_speech_job_duration_seconds_count', { outcome: 'spoken' });
      expect(jobs(after) - jobs(before.worker)).toBe(1);
      for (const state of ['waiting', 'active', 'delayed']) expect(after.some((s) => s.name === 'avatar_speech_queue_jobs' && s.labels.state === state)).toBe(true);
      expect(after.some((s) => s.name === 'avatar_speech_tasks_speaking')).toBe(true);
    });

    it('counts active sessions per provider on the gateway (from the database)', async () => {
      await waitUntil(
        async () => valueOf(await scrape(app('gateway')), 'avatar_sessions_active', { provider: 'local' }),
        (n) => n >= 1,
        'avatar_sessions_active{provider="local"}',
      );
    });

    it("gauges the notifier's open WebSocket connections: 1 with the socket open, 0 once it closed", async () => {
      expect(valueOf(await scrape(app('notifier')), 'avatar_websocket_connections')).toBe(1);
      const json = await waitUntil(
        async () => (await api.get('/metrics', { accept: 'application/json' })).body as SystemMetricsResponse,
        (body) => body.websocket_connections === 1,
        'websocket_connections in the JSON metrics',
      );
      expect(json.active_sessions).toBeGreaterThanOrEqual(1);
      await socket.close();
      await waitUntil(async () => valueOf(await scrape(app('notifier')), 'avatar_websocket_connections'), (n) => n === 0, 'avatar_websocket_connections');
    });
  });

  it('answers the reference JSON on the gateway when asked for application/json, every figure measured', async () => {
    const response = await api.get('/metrics', { accept: 'application/json' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = SystemMetricsResponse.strict().parse(response.body);
    expect(body.total_sessions).toBeGreaterThanOrEqual(body.active_sessions!);
    expect(body.total_sessions).toBe(await platform.db.session.count());
    expect(body.redis_memory).toMatch(/^\d+MB$/);
    expect(body.average_latency).toBeGreaterThan(0);
    expect(body.memory_usage).toBeGreaterThan(0);
    expect(body.gpu_usage).toBeNull();
    // A scraper's Accept (or none) gets the text.
    const scraper = await fetch(`${platform.apiUrl}/metrics`, { headers: { accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1' } });
    expect(scraper.headers.get('content-type')).toMatch(/^text\/plain/);
  });

  it("echoes the caller's X-Request-Id, and gives one to a request without (or with a malformed) one", async () => {
    const given = await api.get('/v1/streaming.sessions', { 'x-request-id': 'req-abc.123' });
    expect(given.headers.get('x-request-id')).toBe('req-abc.123');
    const none = await api.get('/v1/streaming.sessions');
    expect(none.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const forged = await api.get('/v1/streaming.sessions', { 'x-request-id': 'x'.repeat(300) });
    expect(forged.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs JSON lines (LOG_FORMAT=json) with the request id and the trace id on them, and no credential', async () => {
    const gateway = await platform.startApp('gateway', { GATEWAY_PORT: String(await infra.freePort()), LOG_FORMAT: 'json' });
    try {
      const client = apiClient(gateway.httpUrl, platform.tenants.a.apiKey);
      const traceId = randomUUID().replace(/-/g, '');
      const requestId = `obs-${randomUUID()}`;
      // A POST with a body (the handler runs after Fastify read it) that logs a line of its own: the admin audit.
      const created = await client.post('/admin/v1/tenants', { name: 'Logged Ltd' }, { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'x-request-id': requestId, traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
      expect(created.status).toBe(201);
      const speak = await client.post('/v1/avatar.speak', { session_id: randomUUID(), text: 'no such session' }, { 'x-request-id': `${requestId}-2` });
      expect(speak.status).toBe(404);

      const lines = await waitUntil(
        async () => gateway.output().split('\n').filter((l) => l.startsWith('{')),
        (found) => found.some((l) => l.includes(`"${requestId}-2"`)),
        'the access line of the second request',
      );
      const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      const ofRequest = entries.filter((e) => e.request_id === requestId);
      const audit = ofRequest.find((e) => String(e.msg).startsWith('audit actor=admin action=tenant.create'));
      expect(audit).toMatchObject({ level: 'info', app: 'gateway', request_id: requestId, trace_id: traceId, span_id: expect.stringMatching(/^[0-9a-f]{16}$/) });
      expect(ofRequest.find((e) => e.msg === 'POST /admin/v1/tenants 201 ' + String(e.duration_ms) + ' ms')).toMatchObject({ method: 'POST', status: 201, trace_id: traceId });
      expect(entries.find((e) => e.request_id === `${requestId}-2`)).toMatchObject({ status: 404, path: '/v1/avatar.speak' });
      // Every line is JSON (the start-up lines included) and none holds a credential.
      expect(gateway.output().split('\n').filter((l) => l.trim() !== '' && !l.startsWith('{'))).toEqual([]);
      expect(gateway.output()).not.toContain(platform.tenants.a.apiKey);
      expect(gateway.output()).not.toContain(TEST_ADMIN_TOKEN);
    } finally {
      await gateway.stop();
    }
  });

  it('answers 503 on a draining worker\'s /health/ready while /health/live stays 200, until it exits', async () => {
    // One worker of our own with a long drain grace: the platform's worker goes first, so ours takes the task.
    const worker = await platform.startApp('worker', { SPEECH_DRAIN_GRACE_MS: '8000' });
    await app('worker').stop();
    const session = await startedSession(api);
    const socket = await openSocket(sessionSocketUrl(platform.wsUrl, session.sessionId, session.token));
    try {
      const words = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
      await api.post('/v1/avatar.speak', { session_id: session.sessionId, text: words });
      await socket.waitFor((e) => e.type === 'task.started');
      expect((await probe(worker, '/health/ready')).status).toBe(200);

      const exited = worker.stop('SIGTERM');
      const ready = await waitUntil(() => probe(worker, '/health/ready'), (r) => r.status === 503, 'ready while draining', 5000);
      expect(ready.body).toMatchObject({ status: 'not_ready', draining: true });
      expect(await probe(worker, '/health/live')).toMatchObject({ status: 200, body: { status: 'alive', draining: true } });
      await exited;
      // Drained, not killed after the stop timeout (Nest re-raises the SIGTERM once it has closed).
      expect(worker.exit()?.signal).not.toBe('SIGKILL');
    } finally {
      await socket.close();
      await platform.startApp('worker');
    }
  });

  it('answers 503 on /health/ready of every app with Redis down, naming it, while /health/live stays 200', async () => {
    await platform.infra.redis.stop();
    for (const name of ['gateway', 'notifier', 'worker']) {
      const ready = await probe(app(name), '/health/ready');
      expect({ name, status: ready.status, redis: ready.body.services.redis, draining: ready.body.draining }).toEqual({ name, status: 503, redis: 'unhealthy', draining: false });
      expect({ name, live: (await probe(app(name), '/health/live')).status }).toEqual({ name, live: 200 });
    }
  });
});
