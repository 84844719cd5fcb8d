import Redis from 'ioredis';
import { apiClient, ApiClient, EventSocket, openSocket, sessionSocketUrl } from '../support/clients';
import { AppProcess, Platform, startPlatform } from '../support/platform';
import { LIVEAVATAR_FAKE_API_KEY, LIVEAVATAR_FAKE_AVATAR_ID, LiveAvatarFake } from '../../libs/testing/src/fakes/liveavatar-fake';
import { SpatialWalkFake } from '../../libs/testing/src/fakes/spatialwalk-fake';

/** A few seconds of espeak-ng speech: long enough to kill its speaker midway. */
const LONG_TEXT = 'The quick brown fox jumps over the lazy dog, and then it runs across the field to the far side of the river.';
const SW_AVATAR = 'sw-avatar-1';

/**
 * Stateful vendors under faults, on real processes (two workers, owner leases,
 * speech routed to the owner): kill the worker that holds a session's vendor socket
 * mid-speech, let the vendor end a session by itself, let the client vanish. At the
 * end every fake reports zero open sessions and every session row is closed with its
 * duration (docs/adr/0012).
 */
describe('vendor sessions never leak (LiveAvatar, SpatialWalk; two workers)', () => {
  let platform: Platform;
  let api: ApiClient;
  let redis: Redis;
  let liveavatar: LiveAvatarFake;
  let spatialwalk: SpatialWalkFake;
  const sessions: string[] = [];

  beforeAll(async () => {
    liveavatar = await new LiveAvatarFake({ playbackSpeed: 1 }).start();
    spatialwalk = await new SpatialWalkFake({ avatarIds: [SW_AVATAR], playbackSpeed: 1 }).start();
    platform = await startPlatform({
      workers: 2,
      env: {
        LIVEAVATAR_API_URL: liveavatar.url,
        LIVEAVATAR_API_KEY: LIVEAVATAR_FAKE_API_KEY,
        SPATIALWALK_CONSOLE_URL: spatialwalk.consoleUrl,
        SPATIALWALK_INGRESS_URL: spatialwalk.ingressUrl,
        SPATIALWALK_API_KEY: spatialwalk.apiKey,
        SPATIALWALK_APP_ID: spatialwalk.appId,
        TTS_ENGINE: 'espeak',
        // A dead owner is noticed and its sessions taken over within a second or two.
        OWNER_LEASE_MS: '1500',
        SPEECH_TAKEOVER_MS: '1500',
        SPEECH_RECONCILE_MS: '500',
        KEEPALIVE_SWEEP_MS: '500',
        SESSION_REAPER_INTERVAL_MS: '500',
        SESSION_HEARTBEAT_GRACE_MS: '5000',
      },
    });
    api = apiClient(platform.apiUrl, platform.tenants.a.apiKey);
    redis = new Redis(platform.infra.redis.url);
  });
  afterAll(async () => {
    redis?.disconnect();
    await platform?.stop();
    await Promise.all([liveavatar?.stop(), spatialwalk?.stop()]);
  });

  async function startOn(provider: 'liveavatar' | 'spatialwalk', extra: Record<string, unknown> = {}): Promise<{ sessionId: string; socket: EventSocket }> {
    const avatar_id = provider === 'liveavatar' ? LIVEAVATAR_FAKE_AVATAR_ID : SW_AVATAR;
    const created = await api.post('/v1/streaming.new', { provider, avatar_id, ...extra });
    expect(created.status).toBe(200);
    const sessionId = created.body.session_id as string;
    sessions.push(sessionId);
    const started = await api.post('/v1/streaming.start', { session_id: sessionId });
    expect(started).toMatchObject({ status: 200, body: { provider } });
    const socket = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, created.body.access_token));
    return { sessionId, socket };
  }

  async function ownerOf(sessionId: string): Promise<AppProcess> {
    const owner = await redis.get(`session:${sessionId}:owner`);
    const worker = platform.apps.find((a) => a.name === 'worker' && owner?.includes(`-${a.pid}-`));
    if (!worker) throw new Error(`no running worker owns session ${sessionId} (lease: ${owner})`);
    return worker;
  }

  async function killOwner(sessionId: string): Promise<void> {
    const owner = await ownerOf(sessionId);
    await owner.stop('SIGKILL');
    platform.apps.splice(platform.apps.indexOf(owner), 1);
    await platform.startApp('worker');
  }

  it.each(['liveavatar', 'spatialwalk'] as const)('%s: the owner killed mid-speech — another worker takes the session over, reconnects and finishes the task', async (provider) => {
    const { sessionId, socket } = await startOn(provider);
    const speak = await api.post('/v1/avatar.speak', { session_id: sessionId, text: LONG_TEXT });
    expect(speak.status).toBe(200);
    const taskId = speak.body.task_id;
    await socket.waitFor((e) => e.type === 'task.started' && e.task_id === taskId);
    // Mid-speech: the vendor is taking (LiveAvatar) or animating (SpatialWalk) the audio.
    if (provider === 'liveavatar') await waitUntil(() => liveavatar.receivedOf('agent.speak').length > 0, 10_000);
    else await socket.waitFor((e) => (e.type === 'frame' || e.type === 'audio') && e.task_id === taskId, 30_000);
    const socketsBefore = provider === 'liveavatar' ? liveavatar.receivedOf('agent.speak_end').length : spatialwalk.connectionIds.length;

    await killOwner(sessionId);

    // Taken over: spoken again from the start on a new owner, and finished once.
    const done = await socket.waitFor((e) => e.type === 'task.completed' && e.task_id === taskId, 30_000);
    expect(done.duration).toBeGreaterThan(1);
    expect(socket.events.filter((e) => e.type === 'task.started' && e.task_id === taskId).map((e) => e.attempt)).toEqual([1, 2]);
    expect(socket.events.filter((e) => ['task.completed', 'task.failed', 'task.interrupted'].includes(e.type))).toHaveLength(1);
    const newOwner = await ownerOf(sessionId);
    expect(newOwner.exit()).toBeNull();
    if (provider === 'spatialwalk') expect(spatialwalk.connectionIds.length).toBeGreaterThan(socketsBefore); // a new ingress socket
    else expect(liveavatar.receivedOf('agent.speak_end').length).toBeGreaterThan(socketsBefore); // spoken on the reconnected socket

    const stopped = await api.post('/v1/streaming.stop', { session_id: sessionId });
    expect(stopped.status).toBe(200);
    expect(stopped.body.duration).toBeGreaterThan(0);
    socket.close();
  });

  it.each(['liveavatar', 'spatialwalk'] as const)('%s: two workers, one connection — tasks picked by either worker are spoken on the owner\'s socket', async (provider) => {
    const { sessionId, socket } = await startOn(provider);
    const configuresBefore = spatialwalk.connectionIds.length;
    const owner = await ownerOf(sessionId);
    const ids: string[] = [];
    for (const text of ['one short line', 'another short line', 'and a third one', 'and the last one']) {
      ids.push((await api.post('/v1/avatar.speak', { session_id: sessionId, text })).body.task_id);
    }
    for (const id of ids) await socket.waitFor((e) => e.type === 'task.completed' && e.task_id === id, 30_000);
    // SpatialWalk's animation reaches the client as frames (with the audio ahead of them), whichever worker held the job.
    if (provider === 'spatialwalk') for (const id of ids) expect(socket.events.some((e) => e.type === 'frame' && e.task_id === id)).toBe(true);
    // Whoever held the jobs, the session never moved and never opened a second socket.
    expect((await ownerOf(sessionId)).pid).toBe(owner.pid);
    if (provider === 'spatialwalk') expect(spatialwalk.connectionIds.length).toBe(configuresBefore);
    else expect(liveavatar.sessions.get([...liveavatar.sessions.values()].at(-1)!.id)!.sockets.size).toBe(1);
    await api.post('/v1/streaming.stop', { session_id: sessionId });
    socket.close();
  });

  it('liveavatar: the vendor ends the session by itself — the client is told and our session ends (provider_ended) with its duration', async () => {
    const { sessionId, socket } = await startOn('liveavatar');
    const vendorSession = [...liveavatar.sessions.values()].at(-1)!;
    liveavatar.endSession(vendorSession.id, 'IDLE_TIMEOUT');
    const lost = await socket.waitFor((e) => e.type === 'error' && e.code === 'PROVIDER_SESSION_LOST', 10_000);
    expect(lost.message).toContain('liveavatar');
    const stopped = await socket.waitFor((e) => e.type === 'session.stopped', 10_000);
    expect(stopped.reason).toBe('provider_ended');
    const row = await platform.db.session.findUniqueOrThrow({ where: { id: sessionId } });
    expect(row).toMatchObject({ status: 'stopped', endReason: 'provider_ended' });
    expect(row.durationMs).toBeGreaterThan(0);
    socket.close();
  });

  it('spatialwalk: the client vanishes — the idle timeout ends our session and closes the vendor socket', async () => {
    const created = await api.post('/v1/streaming.new', { provider: 'spatialwalk', avatar_id: SW_AVATAR, idle_timeout: 30 });
    sessions.push(created.body.session_id);
    await api.post('/v1/streaming.start', { session_id: created.body.session_id });
    expect(spatialwalk.openSessions).toBeGreaterThan(0);
    // Nobody watches and nothing is spoken: pretend 30 s passed by moving its start back.
    await platform.db.$executeRawUnsafe(`UPDATE sessions SET started_at = started_at - interval '31 seconds' WHERE id = $1::uuid`, created.body.session_id);
    await waitUntil(async () => (await platform.db.session.findUniqueOrThrow({ where: { id: created.body.session_id } })).status === 'stopped', 10_000);
    const row = await platform.db.session.findUniqueOrThrow({ where: { id: created.body.session_id } });
    expect(row.endReason).toBe('idle_timeout');
    await waitUntil(() => spatialwalk.openSessions === 0, 10_000);
  });

  it('at the end: every fake reports zero open sessions and every session row is closed with its duration', async () => {
    for (const id of sessions) await api.post('/v1/streaming.stop', { session_id: id });
    await waitUntil(() => liveavatar.openSessions === 0 && spatialwalk.openSessions === 0, 10_000);
    const rows = await platform.db.session.findMany({ where: { id: { in: sessions } } });
    expect(rows).toHaveLength(sessions.length);
    for (const row of rows) {
      expect(row.status).toBe('stopped');
      expect(row.durationMs).not.toBeNull();
      expect(row.endedAt).not.toBeNull();
    }
  });
});

async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
