// Isolation suite (issue 6): with tenant B's key and tokens, every /v1 route, the
// WebSocket and the usage/history routes are tried against tenant A's session, task
// and events. Each must answer exactly what it answers for an id that does not exist
// (no existence oracle), and leave A's data untouched. The route table below must name
// every route of V1_ROUTES: a new route without an isolation probe fails this suite.
import { randomUUID } from 'node:crypto';
import { COMPAT_ROUTES, V1_ROUTES } from '../../libs/contracts/src';
import { apiClient, ApiClient, ApiResponse, openSocket, refusedStatus, sessionSocketUrl, startedSession } from '../support/clients';
import { Platform, startPlatform, TEST_ADMIN_TOKEN } from '../support/platform';

// Long enough that A's task is still speaking while B probes it (~10 s at 150 wpm).
const LONG_SPEECH = Array.from({ length: 25 }, (_, i) => `word${i}`).join(' ');

interface Ids {
  sessionId: string;
  taskId: string;
}

type Probe =
  /** A route that names one of A's ids: B's answer must equal its answer for unknown ids. */
  | { kind: 'by-id'; call: (api: ApiClient, ids: Ids) => Promise<ApiResponse> }
  /** A route over the tenant's own data: B must not see A's (checked by `check`). */
  | { kind: 'tenant-wide'; check: (b: ApiClient, a: Ids) => Promise<void> };

/** Set by the suite: the tenant-wide provider probes store vendor credentials for A through the admin API. */
let storeCredentialsForA: (provider: string, fields: Record<string, string>) => Promise<void>;

const ROUTE_PROBES: Record<string, Probe> = {
  listProviders: {
    kind: 'tenant-wide',
    // A's stored HeyGen key makes HeyGen available to A only.
    check: async (b) => {
      await storeCredentialsForA('heygen', { api_key: 'tenant-a-heygen-key' });
      const providers = await b.get('/v1/providers');
      expect(providers.status).toBe(200);
      expect(providers.body.providers).toContainEqual({ name: 'heygen', available: false, credentials: null, stateful: false });
    },
  },
  listAvatars: {
    kind: 'tenant-wide',
    check: async (b) => {
      await storeCredentialsForA('heygen', { api_key: 'tenant-a-heygen-key' });
      const avatars = await b.get('/v1/avatars');
      expect(avatars.status).toBe(200);
      expect([...avatars.body.avatars, ...avatars.body.unavailable].some((e: { provider: string }) => e.provider === 'heygen')).toBe(false);
    },
  },
  listVoices: {
    kind: 'tenant-wide',
    check: async (b) => {
      await storeCredentialsForA('heygen', { api_key: 'tenant-a-heygen-key' });
      const voices = await b.get('/v1/voices');
      expect(voices.status).toBe(200);
      expect([...voices.body.voices, ...voices.body.unavailable].some((e: { provider: string }) => e.provider === 'heygen')).toBe(false);
    },
  },
  createSession: {
    kind: 'tenant-wide',
    // B's new session is B's: A's session id is never handed out again, and B's list grows by its own session only.
    check: async (b, a) => {
      const created = await b.post('/v1/streaming.new', { quality: 'medium' });
      expect(created.status).toBe(200);
      expect(created.body.session_id).not.toBe(a.sessionId);
    },
  },
  startSession: { kind: 'by-id', call: (api, ids) => api.post('/v1/streaming.start', { session_id: ids.sessionId }) },
  stopSession: { kind: 'by-id', call: (api, ids) => api.post('/v1/streaming.stop', { session_id: ids.sessionId }) },
  sessionToken: { kind: 'by-id', call: (api, ids) => api.post('/v1/streaming.token', { session_id: ids.sessionId }) },
  speak: { kind: 'by-id', call: (api, ids) => api.post('/v1/avatar.speak', { session_id: ids.sessionId, text: 'not yours' }) },
  interrupt: { kind: 'by-id', call: (api, ids) => api.post('/v1/streaming.interrupt', { session_id: ids.sessionId }) },
  chatCompletion: { kind: 'by-id', call: (api, ids) => api.post('/v1/chat.completions', { session_id: ids.sessionId, messages: [{ role: 'user', content: 'not yours' }] }) },
  getTask: { kind: 'by-id', call: (api, ids) => api.get(`/v1/tasks/${ids.taskId}`) },
  listSessions: {
    kind: 'tenant-wide',
    check: async (b, a) => {
      const list = await b.get('/v1/streaming.sessions?limit=500');
      expect(list.status).toBe(200);
      expect(JSON.stringify(list.body)).not.toContain(a.sessionId);
    },
  },
  getSession: { kind: 'by-id', call: (api, ids) => api.get(`/v1/sessions/${ids.sessionId}`) },
  usage: {
    kind: 'tenant-wide',
    // B's report counts B's started sessions only: A's running session would make it one more.
    check: async (b) => {
      const [report, list] = await Promise.all([b.get('/v1/usage?group_by=provider'), b.get('/v1/streaming.sessions?limit=500')]);
      expect(report.status).toBe(200);
      expect(report.body.totals.sessions).toBe(list.body.sessions.filter((s: { started_at: string | null }) => s.started_at !== null).length);
    },
  },
};

/** The Avaturn-compatible routes (`/api/v1`), probed the same way: COMPAT_ROUTES must have one each. */
const COMPAT_PROBES: Record<string, Probe> = {
  createSession: {
    kind: 'tenant-wide',
    check: async (b, a) => {
      const created = await b.post('/api/v1/sessions');
      expect(created.status).toBe(200);
      expect(created.body.session_id).not.toBe(a.sessionId);
    },
  },
  createTask: { kind: 'by-id', call: (api, ids) => api.post(`/api/v1/sessions/${ids.sessionId}/tasks`, { text: 'not yours' }) },
  deleteSession: { kind: 'by-id', call: (api, ids) => api.request('DELETE', `/api/v1/sessions/${ids.sessionId}`) },
};

/** The answer with the probed ids masked, so answers for different ids compare equal when they say the same thing. */
function masked(response: ApiResponse, ids: Ids): { status: number; body: string } {
  let body = JSON.stringify(response.body ?? null);
  for (const id of [ids.sessionId, ids.taskId]) body = body.split(id).join('<id>');
  return { status: response.status, body };
}

describe('tenant isolation: tenant B cannot see or touch tenant A', () => {
  let platform: Platform;
  let a: ApiClient;
  let b: ApiClient;
  let ids: Ids;
  let tokenA: string;

  beforeAll(async () => {
    platform = await startPlatform();
    const admin = apiClient(`${platform.apiUrl}/admin/v1`, TEST_ADMIN_TOKEN);
    storeCredentialsForA = async (provider, fields) => {
      const put = await admin.request('PUT', `/tenants/${platform.tenants.a.id}/credentials/${provider}`, fields);
      expect(put.status).toBe(200);
    };
    a = apiClient(platform.apiUrl, platform.tenants.a.apiKey);
    b = apiClient(platform.apiUrl, platform.tenants.b.apiKey);
    const session = await startedSession(a);
    tokenA = session.token;
    const spoken = await a.post('/v1/avatar.speak', { session_id: session.sessionId, text: LONG_SPEECH });
    expect(spoken.status).toBe(200);
    ids = { sessionId: session.sessionId, taskId: spoken.body.task_id };
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('has a probe for every /v1 route', () => {
    expect(Object.keys(ROUTE_PROBES).sort()).toEqual(Object.keys(V1_ROUTES).sort());
  });

  it.each(Object.entries(ROUTE_PROBES).filter(([, p]) => p.kind === 'by-id'))(
    "%s with A's ids answers B exactly as for ids that do not exist",
    async (_name, probe) => {
      if (probe.kind !== 'by-id') throw new Error('unreachable');
      const unknown = { sessionId: randomUUID(), taskId: randomUUID() };
      const onA = masked(await probe.call(b, ids), ids);
      const onUnknown = masked(await probe.call(b, unknown), unknown);
      expect(onA.status).toBeGreaterThanOrEqual(400);
      expect(onA).toEqual(onUnknown);
    },
  );

  it.each(Object.entries(ROUTE_PROBES).filter(([, p]) => p.kind === 'tenant-wide'))("%s over B's data never includes A's", async (_name, probe) => {
    if (probe.kind !== 'tenant-wide') throw new Error('unreachable');
    await probe.check(b, ids);
  });

  it('has a probe for every Avaturn-compatible route', () => {
    expect(Object.keys(COMPAT_PROBES).sort()).toEqual(Object.keys(COMPAT_ROUTES).sort());
  });

  it.each(Object.entries(COMPAT_PROBES).filter(([, p]) => p.kind === 'by-id'))(
    "compat %s with A's session id answers B exactly as for an id that does not exist",
    async (_name, probe) => {
      if (probe.kind !== 'by-id') throw new Error('unreachable');
      const unknown = { sessionId: randomUUID(), taskId: randomUUID() };
      const onA = masked(await probe.call(b, ids), ids);
      const onUnknown = masked(await probe.call(b, unknown), unknown);
      expect(onA.status).toBe(404);
      expect(onA).toEqual(onUnknown);
    },
  );

  it.each(Object.entries(COMPAT_PROBES).filter(([, p]) => p.kind === 'tenant-wide'))("compat %s over B's data never includes A's", async (_name, probe) => {
    if (probe.kind !== 'tenant-wide') throw new Error('unreachable');
    await probe.check(b, ids);
  });

  it("leaves A's session and task as they were: B's stop, interrupt and speak changed nothing", async () => {
    const rows = await platform.db.session.findUnique({ where: { id: ids.sessionId } });
    expect(rows?.status).toBe('active');
    const tasks = await platform.db.speechTask.findMany({ where: { sessionId: ids.sessionId } });
    expect(tasks.map((t) => t.id)).toEqual([ids.taskId]);
    expect(tasks[0].status).not.toBe('interrupted');
    expect(tasks[0].interruptRequestedAt).toBeNull();
  });

  it("refuses B's session token on A's session exactly as on a session that does not exist", async () => {
    const own = await b.post('/v1/streaming.new', { quality: 'medium' });
    const tokenB = own.body.access_token as string;
    const onA = await refusedStatus(sessionSocketUrl(platform.wsUrl, ids.sessionId, tokenB));
    const unknownId = randomUUID();
    const onUnknown = await refusedStatus(sessionSocketUrl(platform.wsUrl, unknownId, tokenB));
    expect(onA.status).toBe(onUnknown.status);
    expect(JSON.stringify(onA.body).split(ids.sessionId).join('<id>')).toBe(JSON.stringify(onUnknown.body).split(unknownId).join('<id>'));
    expect(onA.status).toBeGreaterThanOrEqual(400);
  });

  it("sends B's socket none of A's events, and A's socket none of B's", async () => {
    const bSession = await startedSession(b);
    const socketB = await openSocket(sessionSocketUrl(platform.wsUrl, bSession.sessionId, bSession.token));
    const socketA = await openSocket(sessionSocketUrl(platform.wsUrl, ids.sessionId, tokenA));
    try {
      const spokenB = await b.post('/v1/avatar.speak', { session_id: bSession.sessionId, text: 'only for b' });
      const spokenA = await a.post('/v1/avatar.speak', { session_id: ids.sessionId, text: 'only for a' });
      await socketB.waitFor((e) => e.type === 'task.completed' && e.task_id === spokenB.body.task_id, 30_000);
      await socketA.waitFor((e) => e.type === 'task.completed' && e.task_id === spokenA.body.task_id, 30_000);
      const seenByB = JSON.stringify(socketB.events);
      const seenByA = JSON.stringify(socketA.events);
      expect(seenByB).not.toContain(spokenA.body.task_id);
      expect(seenByB).not.toContain(ids.taskId);
      expect(seenByA).not.toContain(spokenB.body.task_id);
    } finally {
      await Promise.all([socketA.close(), socketB.close()]);
    }
  });
});
