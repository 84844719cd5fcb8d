import { randomUUID } from 'node:crypto';
import { apiClient, ApiClient, EventSocket, openSocket, sessionSocketUrl, SocketEvent, startedSession } from '../support/clients';
import { AppProcess, Platform, startPlatform } from '../support/platform';

/** About 20 s of speech at 150 words per minute: long enough to be cut off. */
const LONG_TEXT = Array.from({ length: 50 }, (_, i) => `word${i}`).join(' ');
const TERMINAL = ['task.completed', 'task.interrupted', 'task.failed'];

/**
 * Kill drills on real processes: a speech task is spoken once, in order, with exactly
 * one terminal event, whichever process dies when; interrupt means silence even when
 * its broadcast is lost.
 */
describe('speech under faults (two workers, real processes)', () => {
  let platform: Platform;
  let api: ApiClient;

  beforeAll(async () => {
    platform = await startPlatform({
      workers: 2,
      // Halts are the only fast path: the speakers' database re-check is far away, so a
      // broken halt shows. Takeover and repairs within a second or two.
      env: { SPEECH_TAKEOVER_MS: '1500', SPEECH_INTERRUPT_RECHECK_MS: '600000', SPEECH_RECONCILE_MS: '500' },
    });
    api = apiClient(platform.apiUrl, platform.tenants.a.apiKey);
  });
  afterAll(() => platform?.stop());

  async function speaking(): Promise<{ sessionId: string; socket: EventSocket; taskId: string }> {
    const { sessionId, token } = await startedSession(api);
    const socket = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));
    const taskId = (await api.post('/v1/avatar.speak', { session_id: sessionId, text: LONG_TEXT })).body.task_id;
    await socket.waitFor((e) => e.type === 'frame' && e.task_id === taskId);
    return { sessionId, socket, taskId };
  }

  function terminalEvents(socket: EventSocket, taskId: string): SocketEvent[] {
    return socket.events.filter((e) => TERMINAL.includes(e.type) && e.task_id === taskId);
  }

  function frameIds(socket: EventSocket): number[] {
    return socket.events.filter((e) => e.type === 'frame').map((e) => e.frame_id as number);
  }

  async function stopWorker(worker: AppProcess, signal: NodeJS.Signals): Promise<void> {
    await worker.stop(signal);
    platform.apps.splice(platform.apps.indexOf(worker), 1);
  }

  async function replaceWorker(victim: AppProcess, signal: NodeJS.Signals): Promise<void> {
    await stopWorker(victim, signal);
    await platform.startApp('worker');
  }

  /** Starts a worker with `env` and stops the others: it alone serves speech until the caller starts more. */
  async function onlyWorker(env: NodeJS.ProcessEnv): Promise<AppProcess> {
    const chosen = await platform.startApp('worker', env);
    await Promise.all(platform.apps.filter((a) => a.name === 'worker' && a !== chosen).map((w) => stopWorker(w, 'SIGTERM')));
    return chosen;
  }

  /**
   * `taskId` was cut off and spoken again from the start (attempt 2), ended once, with
   * frame ids still increasing, and `next` started only after it had ended.
   */
  async function expectSpokenAgainOnce(socket: EventSocket, taskId: string, next: string): Promise<void> {
    await socket.waitFor((e) => e.type === 'task.completed' && e.task_id === next, 60_000);
    expect(socket.events.filter((e) => e.type === 'task.started' && e.task_id === taskId).map((e) => e.attempt)).toEqual([1, 2]);
    expect(terminalEvents(socket, taskId).map((e) => e.type)).toEqual(['task.completed']);
    const ids = frameIds(socket);
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1])).toBe(true);
    const order = socket.lifecycle().filter((e) => e.type.startsWith('task.')).map((e) => `${e.type}:${e.task_id === taskId ? 'first' : 'next'}`);
    expect(order).toEqual(['task.started:first', 'task.started:first', 'task.completed:first', 'task.started:next', 'task.completed:next']);
  }

  it('a killed worker’s task is taken over, restarted with attempt 2, frame ids still increasing, and ends once', async () => {
    const { sessionId, socket, taskId } = await speaking();
    const next = (await api.post('/v1/avatar.speak', { session_id: sessionId, text: 'after the crash' })).body.task_id;

    await Promise.all(platform.apps.filter((a) => a.name === 'worker').map((w) => replaceWorker(w, 'SIGKILL')));

    await expectSpokenAgainOnce(socket, taskId, next);
    await socket.close();
  });

  it('an interrupt while the speaking worker is dead still ends the task, with exactly one task.interrupted', async () => {
    const { sessionId, socket, taskId } = await speaking();
    const workers = platform.apps.filter((a) => a.name === 'worker');
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    for (const w of workers) platform.apps.splice(platform.apps.indexOf(w), 1);

    const interrupted = await platform.db.speechTask.findUniqueOrThrow({ where: { id: taskId } });
    expect(interrupted.status).toBe('speaking');
    // No worker is alive to answer the command: mark the interrupt as the worker would.
    await platform.db.speechTask.update({ where: { id: taskId }, data: { interruptRequestedAt: new Date() } });
    await Promise.all([platform.startApp('worker'), platform.startApp('worker')]);

    await socket.waitFor((e) => e.type === 'task.interrupted' && e.task_id === taskId, 30_000);
    await socket.waitFor((e) => e.type === 'status' && e.status === 'idle');
    // The ending is recorded as announced right after its event went out.
    let task = await platform.db.speechTask.findUniqueOrThrow({ where: { id: taskId } });
    for (let i = 0; i < 50 && task.announcedAt === null; i++) {
      await new Promise((r) => setTimeout(r, 100));
      task = await platform.db.speechTask.findUniqueOrThrow({ where: { id: taskId } });
    }
    expect(task.status).toBe('interrupted');
    expect(task.announcedAt).not.toBeNull();
    // Taken over, it was not spoken again.
    expect(socket.events.filter((e) => e.type === 'task.started' && e.task_id === taskId)).toHaveLength(1);
    expect(terminalEvents(socket, taskId)).toHaveLength(1);
    await api.post('/v1/streaming.stop', { session_id: sessionId });
    await socket.close();
  });

  it('interrupt means silence: no frame of the task after task.interrupted, and the next task starts after it', async () => {
    const { sessionId, socket, taskId } = await speaking();
    const next = (await api.post('/v1/avatar.speak', { session_id: sessionId, text: 'next one' })).body.task_id;

    const reply = await api.post('/v1/streaming.interrupt', { session_id: sessionId.toUpperCase() });
    expect(reply.status).toBe(200);
    expect(reply.body.interrupted_task_ids).toEqual([taskId, next]);
    // Well before the 20 s speech would end: only the halt can have stopped it (the
    // speakers' own re-check is ten minutes away in this suite).
    const ended = await socket.waitFor((e) => e.type === 'task.interrupted' && e.task_id === taskId, 8_000);
    await new Promise((r) => setTimeout(r, 500));
    const afterEnd = socket.events.slice(socket.events.indexOf(ended) + 1);
    expect(afterEnd.some((e) => e.type === 'frame' && e.task_id === taskId)).toBe(false);
    expect(terminalEvents(socket, taskId)).toHaveLength(1);
    expect(terminalEvents(socket, next).map((e) => e.type)).toEqual(['task.interrupted']);
    await socket.close();
  });

  it('a lost halt: the speaker re-checks the database and stops', async () => {
    // A worker with a short re-check, alone, so it is the one speaking.
    await onlyWorker({ SPEECH_INTERRUPT_RECHECK_MS: '200' });

    const { socket, taskId } = await speaking();
    // The interrupt reaches the database but its broadcast never reaches the speaker.
    await platform.db.speechTask.update({ where: { id: taskId }, data: { interruptRequestedAt: new Date() } });

    const ended = await socket.waitFor((e) => e.type === 'task.interrupted' && e.task_id === taskId, 8_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(socket.events.slice(socket.events.indexOf(ended) + 1).some((e) => e.type === 'frame')).toBe(false);
    await socket.close();
    await platform.startApp('worker');
  });

  /**
   * It finished its shutdown within the harness's stop timeout (10 s), rather than
   * being killed with SIGKILL: Nest re-raises the SIGTERM it handled once it has
   * closed, so a drained app ends by SIGTERM (or with code 0).
   */
  function exitedByItself(app: AppProcess): boolean {
    const exit = app.exit();
    return exit !== null && (exit.code === 0 || exit.signal === 'SIGTERM');
  }

  it('SIGTERM drain: a task still speaking after the grace is handed to another worker, spoken again (attempt 2), and ends once', async () => {
    const draining = await onlyWorker({ SPEECH_DRAIN_GRACE_MS: '300' });
    const { sessionId, socket, taskId } = await speaking();
    const next = (await api.post('/v1/avatar.speak', { session_id: sessionId, text: 'after the drain' })).body.task_id;
    await platform.startApp('worker'); // the one that takes the task over

    await stopWorker(draining, 'SIGTERM');

    expect(exitedByItself(draining)).toBe(true);
    await expectSpokenAgainOnce(socket, taskId, next);
    await socket.close();
  }, 90_000);

  it('SIGTERM drain: a task that ends within the grace is finished by the draining worker, once, before it exits', async () => {
    const draining = await onlyWorker({ SPEECH_DRAIN_GRACE_MS: '15000' });
    const { sessionId, token } = await startedSession(api);
    const socket = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));
    const taskId = (await api.post('/v1/avatar.speak', { session_id: sessionId, text: 'a short one to finish during the drain' })).body.task_id;
    await socket.waitFor((e) => e.type === 'frame' && e.task_id === taskId);

    await stopWorker(draining, 'SIGTERM');

    expect(exitedByItself(draining)).toBe(true);
    await socket.waitFor((e) => e.type === 'task.completed' && e.task_id === taskId, 5_000);
    expect(socket.events.filter((e) => e.type === 'task.started' && e.task_id === taskId).map((e) => e.attempt)).toEqual([1]);
    expect(terminalEvents(socket, taskId)).toHaveLength(1);
    const row = await platform.db.speechTask.findUniqueOrThrow({ where: { id: taskId } });
    expect(row.status).toBe('completed');
    await socket.close();
    await platform.startApp('worker');
  }, 60_000);

  it('repairs what a killed gateway or worker leaves behind: a task row without a job, an ending never announced', async () => {
    const { sessionId, token } = await startedSession(api);
    const socket = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));
    // The state a gateway killed between its insert and its queue add leaves.
    const orphan = randomUUID();
    await platform.db.$executeRaw`
      WITH next AS (UPDATE sessions SET task_seq = task_seq + 1 WHERE id = ${sessionId}::uuid RETURNING tenant_id, task_seq)
      INSERT INTO speech_tasks (id, tenant_id, session_id, seq, text, duration_estimate_ms)
      SELECT ${orphan}::uuid, next.tenant_id, ${sessionId}::uuid, next.task_seq, 'nobody queued me', 1000 FROM next`;
    await socket.waitFor((e) => e.type === 'task.completed' && e.task_id === orphan, 20_000);

    // The state a worker killed between finishing a task and announcing it leaves.
    const unannounced = randomUUID();
    await platform.db.$executeRaw`
      WITH next AS (UPDATE sessions SET task_seq = task_seq + 1 WHERE id = ${sessionId}::uuid RETURNING tenant_id, task_seq)
      INSERT INTO speech_tasks (id, tenant_id, session_id, seq, text, duration_estimate_ms, status, started_at, ended_at)
      SELECT ${unannounced}::uuid, next.tenant_id, ${sessionId}::uuid, next.task_seq, 'spoken, never announced', 1000, 'completed',
             now() - interval '3 seconds', now() - interval '1 second' FROM next`;
    const announced = await socket.waitFor((e) => e.type === 'task.completed' && e.task_id === unannounced, 20_000);
    expect(announced.duration).toBeCloseTo(2, 1);
    await new Promise((r) => setTimeout(r, 1500));
    expect(terminalEvents(socket, unannounced)).toHaveLength(1);
    await socket.close();
  });
});
