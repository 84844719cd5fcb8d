import { framesOf, visemeTrack } from '../../libs/providers/src';
import { apiClient, ApiClient, openSocket, sessionSocketUrl, SocketEvent, startedSession } from '../support/clients';
import { Platform, startPlatform } from '../support/platform';

const TEXTS = ['Hello there, welcome.', 'This is the second sentence', 'And the third!'];
const LONG_TEXT = 'This is a long sentence that keeps the avatar speaking for a good few seconds, so an interrupt lands in the middle of it.';

describe('speak pipeline (gateway → BullMQ → worker → NATS → notifier)', () => {
  let platform: Platform;
  let api: ApiClient;

  beforeAll(async () => {
    platform = await startPlatform();
    api = apiClient(platform.apiUrl, platform.tenants.a.apiKey);
  });
  afterAll(() => platform?.stop());

  it('speaks three texts in order over the WebSocket and bills the session duration', async () => {
    const startedAt = Date.now();
    const { sessionId, token } = await startedSession(api);
    const socket = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));

    const taskIds: string[] = [];
    for (const text of TEXTS) {
      const speak = await api.post('/v1/avatar.speak', { session_id: sessionId, text });
      expect(speak.status).toBe(200);
      expect(speak.body).toEqual({ task_id: expect.any(String), status: 'processing', duration_estimate: expect.any(Number) });
      taskIds.push(speak.body.task_id);
    }
    await socket.waitFor((e) => e.type === 'task.completed' && e.task_id === taskIds[2]);
    await socket.waitFor((e) => e.type === 'status' && e.status === 'idle' && e.id! > socket.events.find((x) => x.task_id === taskIds[2] && x.type === 'task.completed')!.id!);

    // Lifecycle: each task starts after the previous one completed, in the order spoken.
    const lifecycle = socket.lifecycle().filter((e) => e.type.startsWith('task.'));
    expect(lifecycle.map((e) => [e.type, e.task_id])).toEqual(taskIds.flatMap((id) => [['task.started', id], ['task.completed', id]]));

    // Frames: exactly the local provider's deterministic viseme sequence per task, inside its task.
    for (const [i, text] of TEXTS.entries()) {
      const frames = socket.events.filter((e) => e.type === 'frame' && e.task_id === taskIds[i]);
      expect(frames.map((f) => f.viseme)).toEqual(framesOf(visemeTrack(text, { wordsPerMinute: 150 }), 25));
      const started = lifecycle.find((e) => e.type === 'task.started' && e.task_id === taskIds[i])!;
      const completed = lifecycle.find((e) => e.type === 'task.completed' && e.task_id === taskIds[i])!;
      // A frame's id is the id of the last lifecycle event before it (README: event ids).
      expect(frames.every((f) => f.id! >= started.id! && f.id! < completed.id!)).toBe(true);
      expect(completed.duration).toBeCloseTo(framesOf(visemeTrack(text, { wordsPerMinute: 150 }), 25).length / 25, 1);
    }
    // Event ids never decrease, lifecycle ids are unique, and each event names its session.
    const ids = socket.events.map((e) => e.id!);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const lifecycleIds = socket.lifecycle().map((e) => e.id!);
    expect(new Set(lifecycleIds).size).toBe(lifecycleIds.length);
    expect(socket.events.every((e) => e.session_id === sessionId)).toBe(true);

    const stop = await api.post('/v1/streaming.stop', { session_id: sessionId });
    const wallSeconds = (Date.now() - startedAt) / 1000;
    expect(stop.status).toBe(200);
    expect(stop.body.status).toBe('stopped');
    await socket.waitFor((e) => e.type === 'session.stopped');
    await socket.close();

    const session = await platform.db.session.findFirstOrThrow({ where: { tenantId: platform.tenants.a.id, id: sessionId } });
    expect(session.status).toBe('stopped');
    expect(session.durationMs! / 1000).toBeCloseTo(stop.body.duration, 3);
    expect(Math.abs(session.durationMs! / 1000 - wallSeconds)).toBeLessThan(1);
    const tasks = await platform.db.speechTask.findMany({ where: { sessionId }, orderBy: { seq: 'asc' } });
    expect(tasks.map((t) => [t.id, t.status, t.seq])).toEqual(taskIds.map((id, i) => [id, 'completed', i + 1]));

    // Stopping again answers the same duration; a stopped session cannot be spoken to.
    expect((await api.post('/v1/streaming.stop', { session_id: sessionId })).body).toEqual(stop.body);
    const late = await api.post('/v1/avatar.speak', { session_id: sessionId, text: 'too late' });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('SESSION_NOT_ACTIVE');

    // The task endpoint reports the outcome; the event history was recorded (without frames).
    const task = await api.get(`/v1/tasks/${taskIds[0]}`);
    expect(task.body).toMatchObject({ task_id: taskIds[0], session_id: sessionId, status: 'completed', text: TEXTS[0] });
    await waitUntil(async () => (await platform.db.sessionEvent.count({ where: { sessionId, type: 'session.stopped' } })) === 1);
    const history = await platform.db.sessionEvent.findMany({ where: { sessionId }, orderBy: { streamSeq: 'asc' } });
    expect(history.some((e) => e.type === 'frame')).toBe(false);
    expect(history.filter((e) => e.type === 'task.completed').map((e) => e.taskId)).toEqual(taskIds);
  });

  it('interrupt ends the speaking task and the queued ones, then the avatar is idle', async () => {
    const { sessionId, token } = await startedSession(api);
    const socket = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));
    const ids: string[] = [];
    for (const text of [LONG_TEXT, 'queued one', 'queued two']) ids.push((await api.post('/v1/avatar.speak', { session_id: sessionId, text })).body.task_id);
    await socket.waitFor((e) => e.type === 'frame' && e.task_id === ids[0]);

    const interrupted = await api.post('/v1/streaming.interrupt', { session_id: sessionId });
    expect(interrupted.status).toBe(200);
    expect(interrupted.body).toEqual({ status: 'interrupted', interrupted_task_ids: ids });

    for (const id of ids) await socket.waitFor((e) => e.type === 'task.interrupted' && e.task_id === id);
    await socket.waitFor((e) => e.type === 'status' && e.status === 'idle');
    const tasks = await platform.db.speechTask.findMany({ where: { sessionId }, orderBy: { seq: 'asc' } });
    expect(tasks.map((t) => t.status)).toEqual(['interrupted', 'interrupted', 'interrupted']);
    // Nothing of the interrupted tasks is spoken afterwards.
    await new Promise((r) => setTimeout(r, 500));
    expect(socket.events.some((e) => e.type === 'task.completed' || (e.type === 'task.started' && e.task_id !== ids[0]))).toBe(false);
    const lastFrame = socket.events.filter((e) => e.type === 'frame').at(-1)!;
    const interruptedEvent = socket.events.find((e) => e.type === 'task.interrupted' && e.task_id === ids[0])!;
    expect(lastFrame.id!).toBeLessThan(interruptedEvent.id!);

    // The session goes on: the next speak is spoken.
    const next = await api.post('/v1/avatar.speak', { session_id: sessionId, text: 'after the interrupt' });
    await socket.waitFor((e) => e.type === 'task.completed' && e.task_id === next.body.task_id);
    await socket.close();
  });

  it('an interrupt sent over the WebSocket does the same', async () => {
    const { sessionId, token } = await startedSession(api);
    const socket = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));
    const first = (await api.post('/v1/avatar.speak', { session_id: sessionId, text: LONG_TEXT })).body.task_id;
    const second = (await api.post('/v1/avatar.speak', { session_id: sessionId, text: 'never spoken' })).body.task_id;
    await socket.waitFor((e) => e.type === 'task.started' && e.task_id === first);
    socket.send({ type: 'interrupt' });
    await socket.waitFor((e) => e.type === 'task.interrupted' && e.task_id === first);
    await socket.waitFor((e) => e.type === 'task.interrupted' && e.task_id === second);
    await socket.waitFor((e) => e.type === 'status' && e.status === 'idle');
    expect((await api.get(`/v1/tasks/${second}`)).body.status).toBe('interrupted');
    await socket.close();
  });

  it('stop drops queued speech and the session is billed once', async () => {
    const { sessionId, token } = await startedSession(api);
    const socket = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));
    const first = (await api.post('/v1/avatar.speak', { session_id: sessionId, text: LONG_TEXT })).body.task_id;
    const second = (await api.post('/v1/avatar.speak', { session_id: sessionId, text: 'queued' })).body.task_id;
    await socket.waitFor((e) => e.type === 'task.started' && e.task_id === first);
    const stop = await api.post('/v1/streaming.stop', { session_id: sessionId });
    expect(stop.status).toBe(200);
    await socket.waitFor((e) => e.type === 'task.interrupted' && e.task_id === first);
    await socket.waitFor((e) => e.type === 'task.interrupted' && e.task_id === second);
    await socket.waitFor((e) => e.type === 'session.stopped');
    const tasks = await platform.db.speechTask.findMany({ where: { sessionId } });
    expect(tasks.every((t) => t.status === 'interrupted')).toBe(true);
    await socket.close();
  });

  it('a reconnecting client resumes after the last event it saw', async () => {
    const { sessionId, token } = await startedSession(api);
    const first = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));
    const taskId = (await api.post('/v1/avatar.speak', { session_id: sessionId, text: 'catch me up' })).body.task_id;
    const completed = await first.waitFor((e) => e.type === 'task.completed' && e.task_id === taskId);
    // The last event of the speech: `status idle` after the completion.
    await first.waitFor((e) => e.type === 'status' && e.status === 'idle' && e.id! > completed.id!);
    await first.close();
    const seen = first.events;
    const lastId = seen.at(-1)!.id!;
    const cut = seen[Math.floor(seen.length / 2)].id!;

    // Lifecycle events are replayed, frames never are.
    const resumed = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token, `&last_event_id=${cut}`));
    await resumed.waitFor((e) => e.id === lastId);
    expect(resumed.events.map((e) => e.id)).toEqual(first.lifecycle().filter((e) => e.id! > cut).map((e) => e.id));
    await resumed.close();

    // A late client without an id gets the whole history; the Authorization header works too.
    const late = await openSocket(`${platform.wsUrl}/ws/${sessionId}`, { authorization: `Bearer ${token}` });
    await late.waitFor((e) => e.id === lastId);
    expect(late.events.map((e: SocketEvent) => e.id)).toEqual(first.lifecycle().map((e) => e.id));
    await late.close();
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
