import { apiClient, ApiClient, openSocket, sessionSocketUrl, SocketEvent, startedSession } from '../support/clients';
import { Platform, startPlatform } from '../support/platform';

const TEXTS = ['one two three', 'four five', 'six seven eight nine', 'ten', 'eleven twelve'];

/**
 * Per-session order with several worker processes: each session's tasks are spoken
 * strictly one after another in the order they were accepted, while different
 * sessions speak at the same time.
 */
describe('speech order with two worker processes', () => {
  let platform: Platform;
  let api: ApiClient;

  beforeAll(async () => {
    // Short task locks: a killed worker's task is recovered in seconds, not the default 30 s.
    platform = await startPlatform({ workers: 2, env: { SPEECH_TAKEOVER_MS: '1500' } });
    api = apiClient(platform.apiUrl, platform.tenants.a.apiKey);
  });
  afterAll(() => platform?.stop());

  function assertSequential(events: SocketEvent[], taskIds: string[]): void {
    const lifecycle = events.filter((e) => e.type === 'task.started' || e.type === 'task.completed');
    expect(lifecycle.map((e) => [e.type, e.task_id])).toEqual(taskIds.flatMap((id) => [['task.started', id], ['task.completed', id]]));
    // No frame of a task outside its own started..completed window.
    for (const id of taskIds) {
      const start = lifecycle.find((e) => e.type === 'task.started' && e.task_id === id)!.id!;
      const end = lifecycle.find((e) => e.type === 'task.completed' && e.task_id === id)!.id!;
      // A frame's id is the id of the last lifecycle event before it (README: event ids).
      const frames = events.filter((e) => e.type === 'frame' && e.id! >= start && e.id! < end);
      expect(frames.length).toBeGreaterThan(0);
      expect(frames.every((f) => f.task_id === id)).toBe(true);
    }
  }

  it('speaks two sessions concurrently, each in its own order', async () => {
    const sessions = await Promise.all([startedSession(api), startedSession(api)]);
    const sockets = await Promise.all(sessions.map((s) => openSocket(sessionSocketUrl(platform.wsUrl, s.sessionId, s.token))));

    // All speaks of both sessions at once: the order of a session is the order the
    // gateway accepted them (their seq), whatever the interleaving of requests.
    const accepted = await Promise.all(
      sessions.flatMap((s) => TEXTS.map((text) => api.post('/v1/avatar.speak', { session_id: s.sessionId, text }).then((r) => ({ session: s.sessionId, id: r.body.task_id as string })))),
    );
    const ordered = await Promise.all(
      sessions.map(async (s) => {
        const tasks = await platform.db.speechTask.findMany({ where: { sessionId: s.sessionId }, orderBy: { seq: 'asc' } });
        expect(tasks.map((t) => t.id).sort()).toEqual(accepted.filter((a) => a.session === s.sessionId).map((a) => a.id).sort());
        return tasks.map((t) => t.id);
      }),
    );
    await Promise.all(sockets.map((socket, i) => socket.waitFor((e) => e.type === 'task.completed' && e.task_id === ordered[i].at(-1), 30_000)));

    sockets.forEach((socket, i) => assertSequential(socket.events, ordered[i]));

    // Concurrency: the sessions' speaking windows overlap in time.
    const window = (socket: (typeof sockets)[number]) => {
      const frames = socket.events.filter((e) => e.type === 'frame');
      return [frames[0].timestamp as number, frames.at(-1)!.timestamp as number];
    };
    const [a, b] = sockets.map(window);
    expect(a[0]).toBeLessThan(b[1]);
    expect(b[0]).toBeLessThan(a[1]);

    // Both worker processes are alive and took part.
    const tasks = await platform.db.speechTask.findMany({ where: { sessionId: { in: sessions.map((s) => s.sessionId) } } });
    expect(tasks.every((t) => t.status === 'completed' && t.attempts === 1)).toBe(true);
    await Promise.all(sockets.map((s) => s.close()));
  });

  it('keeps the order when the worker speaking a session is killed', async () => {
    const { sessionId, token } = await startedSession(api);
    const socket = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));
    const ids: string[] = [];
    for (const text of ['the first task is long enough to be cut off by a crash of its worker', 'second', 'third']) {
      ids.push((await api.post('/v1/avatar.speak', { session_id: sessionId, text })).body.task_id);
    }
    await socket.waitFor((e) => e.type === 'frame' && e.task_id === ids[0]);
    // Kill every worker (the one speaking among them) without a clean shutdown, then start a fresh one.
    const workers = platform.apps.filter((app) => app.name === 'worker');
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    platform.apps.splice(0, platform.apps.length, ...platform.apps.filter((app) => !workers.includes(app)));
    await platform.startApp('worker');

    // BullMQ's stalled-job check hands the cut-off task to the new worker; the others follow in order.
    await socket.waitFor((e) => e.type === 'task.completed' && e.task_id === ids[2], 30_000);
    const completedOrder = socket.events.filter((e) => e.type === 'task.completed').map((e) => e.task_id);
    expect(completedOrder).toEqual(ids);
    const tasks = await platform.db.speechTask.findMany({ where: { sessionId }, orderBy: { seq: 'asc' } });
    expect(tasks.map((t) => t.status)).toEqual(['completed', 'completed', 'completed']);
    expect(tasks[0].attempts).toBe(2);
    await socket.close();
  });
});
