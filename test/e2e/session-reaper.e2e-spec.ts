// Kill drill for the session lifecycle (docs/adr/0007) on real processes: idle timeout,
// presence, max duration, and every app killed with SIGKILL then restarted. Timeouts are
// short here (idle 3 s, heartbeat/reaper every 300 ms, grace 1.5 s); every billed figure
// is checked against the database's own timestamps, exactly.
import { connect, NatsConnection } from '@nats-io/transport-node';
import { apiClient, ApiClient, openSocket, sessionSocketUrl, startedSession } from '../support/clients';
import { Platform, startPlatform } from '../support/platform';

const IDLE_S = 3;
const REAPER_MS = 300;
const GRACE_MS = 1500;
const LIFECYCLE_ENV = {
  SESSION_IDLE_TIMEOUT_SECONDS: String(IDLE_S),
  SESSION_MAX_DURATION_SECONDS: '600',
  SESSION_REAPER_INTERVAL_MS: String(REAPER_MS),
  SESSION_HEARTBEAT_GRACE_MS: String(GRACE_MS),
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface SessionFacts {
  status: string;
  end_reason: string | null;
  duration_ms: number | null;
  started_at: Date;
  ended_at: Date | null;
  last_active_at: Date | null;
  /** ended_at - started_at (ms), by the database. */
  span_ms: number | null;
  /** ended_at - GREATEST(started_at, last_active_at) (ms): how long it had been idle when it ended. */
  idle_ms: number | null;
}

describe('session lifecycle: idle timeout, presence, max duration, reaper after kill -9', () => {
  let platform: Platform;
  let api: ApiClient;
  let nats: NatsConnection;
  const watchers: NodeJS.Timeout[] = [];

  beforeAll(async () => {
    platform = await startPlatform({ env: LIFECYCLE_ENV });
    api = apiClient(platform.apiUrl, platform.tenants.a.apiKey);
    nats = await connect(platform.infra.nats.clientOptions('notifier'));
  });
  afterAll(async () => {
    watchers.forEach(clearInterval);
    await nats?.close();
    await platform?.stop();
  });

  async function facts(sessionId: string): Promise<SessionFacts> {
    const rows = await platform.db.$queryRawUnsafe<SessionFacts[]>(
      `SELECT status::text, end_reason, duration_ms, started_at, ended_at, last_active_at,
              round(extract(epoch FROM ended_at - started_at) * 1000)::int AS span_ms,
              round(extract(epoch FROM ended_at - GREATEST(started_at, last_active_at)) * 1000)::int AS idle_ms
         FROM sessions WHERE tenant_id = $1::uuid AND id = $2::uuid`,
      platform.tenants.a.id,
      sessionId,
    );
    return rows[0];
  }

  async function waitUntilStopped(sessionId: string, timeoutMs = 20_000): Promise<SessionFacts> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const now = await facts(sessionId);
      if (now.status === 'stopped') return now;
      if (Date.now() > deadline) throw new Error(`session ${sessionId} still ${now.status} after ${timeoutMs} ms`);
      await sleep(100);
    }
  }

  /** A client watching the session, as the notifier announces it (presence.<tenant>.<session>). */
  function watch(sessionId: string): () => void {
    const announce = () => nats.publish(`presence.${platform.tenants.a.id}.${sessionId}`, '{"sockets":1}');
    announce();
    const timer = setInterval(announce, REAPER_MS);
    watchers.push(timer);
    return () => clearInterval(timer);
  }

  /** Counts session.stopped events of the session as they are published. */
  function countStopped(sessionId: string): { count: () => number; events: any[] } {
    const events: any[] = [];
    nats.subscribe(`live.${platform.tenants.a.id}.${sessionId}.session.stopped`, { callback: (_err, msg) => void events.push(msg.json()) });
    return { count: () => events.length, events };
  }

  it('refuses an idle_timeout or max_duration out of bounds', async () => {
    for (const body of [{ idle_timeout: 5 }, { idle_timeout: 3601 }, { max_duration: 0 }, { idle_timeout: 60.5 }]) {
      const response = await api.post('/v1/streaming.new', body);
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('VALIDATION_ERROR');
    }
    expect((await api.post('/v1/streaming.new', { idle_timeout: 30, max_duration: 60 })).status).toBe(200);
  });

  it('ends an idle session at the moment it became idle + the idle timeout, with session.stopped on its WebSocket; a watched session stays', async () => {
    const idle = await startedSession(api);
    const watched = await startedSession(api);
    const stopWatching = watch(watched.sessionId);
    const socket = await openSocket(sessionSocketUrl(platform.wsUrl, idle.sessionId, idle.token));

    const stopped = await socket.waitFor((e) => e.type === 'session.stopped', 20_000);
    await socket.close();

    const ended = await facts(idle.sessionId);
    expect(ended).toMatchObject({ status: 'stopped', end_reason: 'idle_timeout' });
    expect(stopped).toMatchObject({ type: 'session.stopped', reason: 'idle_timeout', duration: ended.duration_ms! / 1000 });
    expect(ended.duration_ms).toBe(ended.span_ms);
    // Idle since its last presence (the real notifier announced the socket) or its start.
    expect(ended.last_active_at).not.toBeNull();
    expect(ended.idle_ms).toBe(IDLE_S * 1000);

    // The watched one outlives several idle timeouts while its client is there…
    await sleep(2 * IDLE_S * 1000);
    expect((await facts(watched.sessionId)).status).toBe('active');
    // …and ends IDLE_S after the client's last presence once it is gone.
    stopWatching();
    const left = await waitUntilStopped(watched.sessionId);
    expect(left.end_reason).toBe('idle_timeout');
    expect(left.idle_ms).toBe(IDLE_S * 1000);
    expect(left.span_ms).toBeGreaterThan(3 * IDLE_S * 1000);

    const listed = await api.get(`/v1/streaming.sessions?status=stopped&limit=500`);
    expect(listed.body.sessions.find((s: any) => s.session_id === idle.sessionId)).toMatchObject({ end_reason: 'idle_timeout', duration: ended.duration_ms! / 1000 });
  });

  it('ends a busy, watched session at exactly its max_duration', async () => {
    const created = await api.post('/v1/streaming.new', { max_duration: 2 });
    expect(created.status).toBe(200);
    const sessionId = created.body.session_id;
    expect((await api.post('/v1/streaming.start', { session_id: sessionId })).status).toBe(200);
    watch(sessionId);
    const socket = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, created.body.access_token));
    await api.post('/v1/avatar.speak', { session_id: sessionId, text: 'This is a long sentence that keeps the avatar speaking well past the two second limit of this session.' });

    const stopped = await socket.waitFor((e) => e.type === 'session.stopped', 20_000);
    await socket.close();

    expect(stopped).toMatchObject({ reason: 'max_duration', duration: 2, billed_seconds: 2 });
    expect(await facts(sessionId)).toMatchObject({ status: 'stopped', end_reason: 'max_duration', duration_ms: 2000, span_ms: 2000 });
    const stop = await api.post('/v1/streaming.stop', { session_id: sessionId });
    expect(stop.body).toEqual({ status: 'stopped', duration: 2, billed_seconds: 2 });
  });

  it('kill -9 of every app, a gap longer than the grace, a restart: the session ends at its last heartbeat, reason reaped, once', async () => {
    const { sessionId } = await startedSession(api);
    const stopWatching = watch(sessionId);
    const speak = await api.post('/v1/avatar.speak', { session_id: sessionId, text: 'A sentence long enough to still be speaking when every process is killed without warning.' });
    expect(speak.status).toBe(200);
    await sleep(1000);
    const stoppedEvents = countStopped(sessionId);

    await Promise.all(platform.apps.splice(0).map((app) => app.stop('SIGKILL')));
    stopWatching();
    const [{ beat_at: lastBeat }] = await platform.db.$queryRawUnsafe<Array<{ beat_at: Date }>>(`SELECT beat_at FROM platform_heartbeat WHERE id = 1`);
    expect((await facts(sessionId)).status).toBe('active');
    await sleep(3 * GRACE_MS); // the platform is down: none of this may be billed
    const restartedAt = Date.now();
    await Promise.all([platform.startApp('gateway'), platform.startApp('notifier'), platform.startApp('worker')]);

    const ended = await waitUntilStopped(sessionId);
    expect(ended.end_reason).toBe('reaped');
    expect(ended.ended_at).toEqual(lastBeat);
    expect(ended.duration_ms).toBe(ended.span_ms);
    expect(ended.ended_at!.getTime()).toBeLessThan(restartedAt - 2 * GRACE_MS);

    // Its tasks end too, and session.stopped is published exactly once (later reaper ticks add none).
    await waitFor(async () => (await pendingTasks(sessionId)) === 0, 'the session still has queued or speaking tasks');
    await waitFor(async () => stoppedEvents.count() > 0, 'no session.stopped published');
    await sleep(5 * REAPER_MS);
    const billed = Math.ceil(ended.duration_ms! / 1000);
    expect(stoppedEvents.events).toEqual([expect.objectContaining({ event: { type: 'session.stopped', reason: 'reaped', duration: ended.duration_ms! / 1000, billed_seconds: billed } })]);
    const stop = await api.post('/v1/streaming.stop', { session_id: sessionId });
    expect(stop.body).toEqual({ status: 'stopped', duration: ended.duration_ms! / 1000, billed_seconds: billed });
  });

  async function pendingTasks(sessionId: string): Promise<number> {
    return platform.db.speechTask.count({ where: { tenantId: platform.tenants.a.id, sessionId, status: { in: ['queued', 'speaking'] } } });
  }

  async function waitFor(check: () => Promise<boolean>, message: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(message);
      await sleep(100);
    }
  }
});
