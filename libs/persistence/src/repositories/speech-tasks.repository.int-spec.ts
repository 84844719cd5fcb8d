// The speech order SQL (docs/adr/0001) on a real PostgreSQL: a fresh database, cloned
// from the migrated template, per test file; every test makes its own tenants and
// sessions. Tasks are queued through `enqueue` itself; only the past (a task created
// or ended a while ago) is set up with raw SQL, on the database's own clock.
import { randomUUID } from 'node:crypto';
import { TenantScope, TenantScopes } from '@avatar/contracts';
import { createTestDatabase, TestDatabase } from '../../../../test/support/infra';
import { createDatabase, Database } from '../persistence.module';
import type { Db } from './prisma-client.token';
import { SpeechTasksRepository } from './speech-tasks.repository';

jest.setTimeout(30_000);

let database: TestDatabase;
let connection: Database;
let db: Db;
let repo: SpeechTasksRepository;

beforeAll(async () => {
  database = await createTestDatabase('speech_tasks_repo');
  connection = createDatabase(database.url);
  db = connection.prisma;
  repo = new SpeechTasksRepository(db, connection.sql);
});

afterAll(async () => {
  await connection.close();
  await database.drop();
});

/** The history recorder read the task's terminal event back from the stream (SessionEventsRepository marks it). */
async function announced(taskId: string): Promise<void> {
  await db.$executeRawUnsafe(`UPDATE speech_tasks SET announced_at = now() WHERE id = $1::uuid`, taskId);
}

async function tenant(): Promise<TenantScope> {
  const id = TenantScopes.ofRecord(randomUUID());
  await db.$executeRawUnsafe(`INSERT INTO tenants (id, name) VALUES ($1::uuid, 'spec')`, id);
  return id;
}

async function session(tenantId: string, status: 'active' | 'stopped' | 'created' = 'active'): Promise<string> {
  const id = randomUUID();
  await db.$executeRawUnsafe(
    `INSERT INTO sessions (id, tenant_id, provider, avatar_id, voice_id, quality, status, provider_session_id, provider_state, started_at)
     VALUES ($1::uuid, $2::uuid, 'local', 'avatar_1', 'voice_s', 'high', $3::session_status, 'vendor-1', '{"ws_url":"wss://vendor/1"}', now())`,
    id,
    tenantId,
    status,
  );
  return id;
}

/** A tenant with an active session. */
async function scope(): Promise<{ t: TenantScope; s: string }> {
  const t = await tenant();
  return { t, s: await session(t) };
}

/** Queues a task through the real enqueue; answers its id. */
async function enqueue(tenantId: TenantScope, sessionId: string, text = 'hello'): Promise<string> {
  const id = randomUUID();
  const result = await repo.enqueue(tenantId, sessionId, { id, text, durationEstimateMs: 1000 }, ROOMY);
  if (result.outcome !== 'queued') throw new Error(`not queued: ${JSON.stringify(result)}`);
  return id;
}

async function enqueueMany(tenantId: TenantScope, sessionId: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(await enqueue(tenantId, sessionId));
  return ids;
}

interface TaskState {
  status: string;
  attempts: number;
  interrupt_requested: boolean;
  announced: boolean;
  ended: boolean;
  started: boolean;
  error: string | null;
}

async function state(taskId: string): Promise<TaskState> {
  const rows = await db.$queryRawUnsafe<TaskState[]>(
    `SELECT status::text, attempts, interrupt_requested_at IS NOT NULL AS interrupt_requested,
            announced_at IS NOT NULL AS announced, ended_at IS NOT NULL AS ended, started_at IS NOT NULL AS started, error
       FROM speech_tasks WHERE id = $1::uuid`,
    taskId,
  );
  return rows[0];
}

async function taskSeq(sessionId: string): Promise<number> {
  const rows = await db.$queryRawUnsafe<Array<{ task_seq: number }>>(`SELECT task_seq FROM sessions WHERE id = $1::uuid`, sessionId);
  return rows[0].task_seq;
}

async function stopSession(sessionId: string): Promise<void> {
  await db.$executeRawUnsafe(`UPDATE sessions SET status = 'stopped', ended_at = now() WHERE id = $1::uuid`, sessionId);
}

/** Moves a task's creation (and end, if ended) `seconds` into the past. */
async function age(taskId: string, seconds: number): Promise<void> {
  await db.$executeRawUnsafe(
    `UPDATE speech_tasks SET created_at = created_at - make_interval(secs => $2::float8),
                             started_at = started_at - make_interval(secs => $2::float8),
                             ended_at = ended_at - make_interval(secs => $2::float8)
      WHERE id = $1::uuid`,
    taskId,
    seconds,
  );
}

const RESERVE = 100;
/** A queued-task quota no spec here reaches (the quota has its own specs). */
const ROOMY = { maxPending: 10_000 };

describe('enqueue', () => {
  it('gives concurrent speaks distinct, gap-free positions in order of the session counter', async () => {
    const { t, s } = await scope();

    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => repo.enqueue(t, s, { id: randomUUID(), text: `speak ${i}`, durationEstimateMs: 1000 }, ROOMY)));

    const seqs = results.map((r) => (r.outcome === 'queued' ? r.task.seq : -1)).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(await taskSeq(s)).toBe(30);
  });

  it('answers the queued task and stores what the task needs', async () => {
    const { t, s } = await scope();
    const id = randomUUID();

    await expect(
      repo.enqueue(t, s, { id, text: 'hi there', voiceId: 'v2', voiceSettings: { speed: 1.5 }, durationEstimateMs: 1234, traceparent: '00-abc-def-01' }, ROOMY),
    ).resolves.toEqual({ outcome: 'queued', task: { id, sessionId: s, seq: 1 } });

    await expect(repo.find(t, id)).resolves.toMatchObject({
      status: 'queued',
      text: 'hi there',
      voiceId: 'v2',
      voiceSettings: { speed: 1.5 },
      durationEstimateMs: 1234,
      traceparent: '00-abc-def-01',
      attempts: 0,
    });
  });

  it('gives a stopped session nothing: no row, no position taken', async () => {
    const t = await tenant();
    const s = await session(t, 'stopped');
    const id = randomUUID();

    await expect(repo.enqueue(t, s, { id, text: 'late', durationEstimateMs: 1000 }, ROOMY)).resolves.toEqual({ outcome: 'session_not_active', status: 'stopped' });

    await expect(repo.find(t, id)).resolves.toBeNull();
    expect(await taskSeq(s)).toBe(0);
  });

  it("answers session_not_found for another tenant's session and queues nothing in it", async () => {
    const { s } = await scope();
    const other = await tenant();
    const id = randomUUID();

    await expect(repo.enqueue(other, s, { id, text: 'x', durationEstimateMs: 1000 }, ROOMY)).resolves.toEqual({ outcome: 'session_not_found' });

    expect(await taskSeq(s)).toBe(0);
  });
});

describe('claim', () => {
  it('claims the head of the line: speaking, attempt 1, with its session and the first frame block', async () => {
    const { t, s } = await scope();
    const a = await enqueue(t, s, 'first words');

    const claimed = await repo.claim(t, a, RESERVE);

    expect(claimed).toEqual({
      id: a,
      sessionId: s,
      seq: 1,
      kind: 'text',
      text: 'first words',
      voiceId: null,
      voiceSettings: null,
      durationEstimateMs: 1000,
      attempt: 1,
      frameBase: 0,
      provider: 'local',
      providerSessionId: 'vendor-1',
      // What another worker needs to reach the vendor session comes with the claim.
      providerState: { ws_url: 'wss://vendor/1' },
      avatarId: 'avatar_1',
      sessionVoiceId: 'voice_s',
      quality: 'high',
    });
    expect(await state(a)).toMatchObject({ status: 'speaking', attempts: 1, started: true });
  });

  it('refuses a task while an earlier one is still queued (whyNot: wait)', async () => {
    const { t, s } = await scope();
    const [, b] = await enqueueMany(t, s, 2);

    await expect(repo.claim(t, b, RESERVE)).resolves.toBeNull();

    await expect(repo.whyNot(t, b)).resolves.toEqual({ reason: 'wait' });
    expect(await state(b)).toMatchObject({ status: 'queued', attempts: 0 });
  });

  it('refuses a task while an earlier one is speaking, and takes it once that one finished', async () => {
    const { t, s } = await scope();
    const [a, b] = await enqueueMany(t, s, 2);
    await repo.claim(t, a, RESERVE);

    await expect(repo.claim(t, b, RESERVE)).resolves.toBeNull();
    await expect(repo.whyNot(t, b)).resolves.toEqual({ reason: 'wait' });

    await expect(repo.finish(t, a)).resolves.not.toBeNull();
    await expect(repo.claim(t, b, RESERVE)).resolves.toMatchObject({ id: b, attempt: 1 });
  });

  it('does not start the successor of an interrupted speaker until the speaker has ended (endInterrupted)', async () => {
    const { t, s } = await scope();
    const a = await enqueue(t, s);
    await repo.claim(t, a, RESERVE);
    await repo.interruptPending(t, s);
    const next = await enqueue(t, s); // spoken after the interrupt

    await expect(repo.claim(t, next, RESERVE)).resolves.toBeNull();
    await expect(repo.whyNot(t, next)).resolves.toEqual({ reason: 'wait' });

    await expect(repo.endInterrupted(t, a)).resolves.not.toBeNull();
    await expect(repo.claim(t, next, RESERVE)).resolves.toMatchObject({ id: next });
  });

  it('refuses a task whose interrupt was requested (a worker taking it over ends it instead)', async () => {
    const { t, s } = await scope();
    const a = await enqueue(t, s);
    await repo.claim(t, a, RESERVE);
    await repo.interruptPending(t, s);

    await expect(repo.claim(t, a, RESERVE)).resolves.toBeNull();

    await expect(repo.whyNot(t, a)).resolves.toEqual({ reason: 'interrupt_requested' });
    expect(await state(a)).toMatchObject({ status: 'speaking', attempts: 1 });
  });

  it('refuses a task of a stopped session (whyNot: session_stopped)', async () => {
    const { t, s } = await scope();
    const a = await enqueue(t, s);
    await stopSession(s);

    await expect(repo.claim(t, a, RESERVE)).resolves.toBeNull();

    await expect(repo.whyNot(t, a)).resolves.toEqual({ reason: 'session_stopped' });
    expect(await state(a)).toMatchObject({ status: 'queued', attempts: 0 });
  });

  it('refuses an ended task and says how it ended (whyNot: ended, announced or not, with spoken seconds)', async () => {
    const { t, s } = await scope();
    const a = await enqueue(t, s);
    await repo.claim(t, a, RESERVE);
    await db.$executeRawUnsafe(`UPDATE speech_tasks SET started_at = now() - interval '2.5 seconds' WHERE id = $1::uuid`, a);
    await repo.finish(t, a);

    await expect(repo.claim(t, a, RESERVE)).resolves.toBeNull();

    const why = await repo.whyNot(t, a);
    expect(why).toMatchObject({ reason: 'ended', status: 'completed', announced: false, error: null });
    expect(why.reason === 'ended' && why.spokenSeconds).toBeCloseTo(2.5, 1);

    await announced(a);
    await expect(repo.whyNot(t, a)).resolves.toMatchObject({ reason: 'ended', status: 'completed', announced: true });
  });

  it('a task left speaking when its session was stopped with no worker alive: session_stopped, then, once interrupted, endable', async () => {
    const { t, s } = await scope();
    const a = await enqueue(t, s);
    await repo.claim(t, a, RESERVE); // its worker then dies
    await stopSession(s); // the stop reached no worker: nothing was interrupted

    await expect(repo.whyNot(t, a)).resolves.toEqual({ reason: 'session_stopped' });
    await expect(repo.interruptPending(t, s)).resolves.toEqual([{ id: a, previous: 'speaking' }]);
    expect(await state(a)).toMatchObject({ status: 'speaking', interrupt_requested: true }); // still needs ending
    await expect(repo.endInterrupted(t, a)).resolves.not.toBeNull();
    await expect(repo.isSpeaking(t, s)).resolves.toBe(false);
  });

  it('whyNot says gone for a task that does not exist', async () => {
    const { t } = await scope();

    await expect(repo.whyNot(t, randomUUID())).resolves.toEqual({ reason: 'gone' });
  });

  it('takes over a task left speaking by a dead worker: attempt 2, a fresh frame block', async () => {
    const { t, s } = await scope();
    const a = await enqueue(t, s);
    const first = await repo.claim(t, a, RESERVE);

    const second = await repo.claim(t, a, RESERVE);

    expect(second).toMatchObject({ id: a, attempt: 2, frameBase: first!.frameBase + RESERVE });
    expect(await state(a)).toMatchObject({ status: 'speaking', attempts: 2 });
  });

  it('reserves frame blocks that never overlap, across attempts and tasks, and follow each other', async () => {
    const { t, s } = await scope();
    const [a, b, c] = await enqueueMany(t, s, 3);
    const blocks: Array<[number, number]> = [];
    const take = async (id: string, reserve: number) => {
      const claimed = await repo.claim(t, id, reserve);
      blocks.push([claimed!.frameBase + 1, claimed!.frameBase + reserve]);
    };

    await take(a, 100);
    await repo.release(t, a, 'vendor busy'); // retried
    await take(a, 100);
    await take(a, 40); // taken over
    await repo.finish(t, a);
    await take(b, 250);
    await repo.endInterrupted(t, b);
    await take(c, 7);

    expect(blocks).toEqual([
      [1, 100],
      [101, 200],
      [201, 240],
      [241, 490],
      [491, 497],
    ]);
  });

  it("keeps tenants apart: tenant B cannot find, claim or ask about tenant A's task", async () => {
    const { t, s } = await scope();
    const a = await enqueue(t, s);
    const other = await tenant();

    await expect(repo.find(other, a)).resolves.toBeNull();
    await expect(repo.claim(other, a, RESERVE)).resolves.toBeNull();
    await expect(repo.whyNot(other, a)).resolves.toEqual({ reason: 'gone' });

    expect(await state(a)).toMatchObject({ status: 'queued', attempts: 0 });
    await expect(repo.find(t, a)).resolves.toMatchObject({ id: a });
  });

  it("keeps sessions apart: another session's speaking task does not hold this one's line", async () => {
    const { t, s } = await scope();
    const s2 = await session(t);
    const a = await enqueue(t, s);
    const b = await enqueue(t, s2);
    await repo.claim(t, a, RESERVE);

    await expect(repo.claim(t, b, RESERVE)).resolves.toMatchObject({ id: b, frameBase: 0 });
  });
});

describe('interruptPending', () => {
  it('ends queued tasks at once, only marks the speaking one, and answers them in speaking order', async () => {
    const { t, s } = await scope();
    const [a, b, c] = await enqueueMany(t, s, 3);
    await repo.claim(t, a, RESERVE);

    await expect(repo.interruptPending(t, s)).resolves.toEqual([
      { id: a, previous: 'speaking' },
      { id: b, previous: 'queued' },
      { id: c, previous: 'queued' },
    ]);

    expect(await state(a)).toMatchObject({ status: 'speaking', interrupt_requested: true, ended: false });
    expect(await state(b)).toMatchObject({ status: 'interrupted', ended: true, interrupt_requested: false });
    expect(await state(c)).toMatchObject({ status: 'interrupted', ended: true });
    await expect(repo.isSpeaking(t, s)).resolves.toBe(true);
  });

  it('answers queued tasks in seq order however many there are', async () => {
    const { t, s } = await scope();
    const ids = await enqueueMany(t, s, 6);

    const interrupted = await repo.interruptPending(t, s);

    expect(interrupted.map((i) => i.id)).toEqual(ids);
    expect(interrupted.every((i) => i.previous === 'queued')).toBe(true);
  });

  it('leaves ended tasks alone and answers nothing when nothing is pending', async () => {
    const { t, s } = await scope();
    const a = await enqueue(t, s);
    await repo.claim(t, a, RESERVE);
    await repo.finish(t, a);

    await expect(repo.interruptPending(t, s)).resolves.toEqual([]);

    expect(await state(a)).toMatchObject({ status: 'completed', interrupt_requested: false });
  });

  it("does nothing with another tenant's id: tenant-scoped", async () => {
    const { t, s } = await scope();
    const [a, b] = await enqueueMany(t, s, 2);
    await repo.claim(t, a, RESERVE);
    const other = await tenant();

    await expect(repo.interruptPending(other, s)).resolves.toEqual([]);

    expect(await state(a)).toMatchObject({ status: 'speaking', interrupt_requested: false });
    expect(await state(b)).toMatchObject({ status: 'queued' });
  });

  it('answers a speaker that was already asked to stop again, as speaking', async () => {
    const { t, s } = await scope();
    const a = await enqueue(t, s);
    await repo.claim(t, a, RESERVE);
    await repo.interruptPending(t, s);

    await expect(repo.interruptPending(t, s)).resolves.toEqual([{ id: a, previous: 'speaking' }]);
  });

  it('interrupts the tasks of a session that was stopped meanwhile (the stop path)', async () => {
    const { t, s } = await scope();
    const [a, b] = await enqueueMany(t, s, 2);
    await repo.claim(t, a, RESERVE);
    await db.$executeRawUnsafe(`UPDATE sessions SET status = 'stopped', ended_at = now() WHERE id = $1::uuid`, s);

    await expect(repo.interruptPending(t, s)).resolves.toEqual([
      { id: a, previous: 'speaking' },
      { id: b, previous: 'queued' },
    ]);
  });
});

describe('interruptActive', () => {
  it('interrupts an active session like interruptPending and answers its status', async () => {
    const { t, s } = await scope();
    const [a, b] = await enqueueMany(t, s, 2);
    await repo.claim(t, a, RESERVE);

    await expect(repo.interruptActive(t, s)).resolves.toEqual({
      sessionStatus: 'active',
      interrupted: [
        { id: a, previous: 'speaking' },
        { id: b, previous: 'queued' },
      ],
    });

    expect(await state(a)).toMatchObject({ status: 'speaking', interrupt_requested: true });
    expect(await state(b)).toMatchObject({ status: 'interrupted', ended: true });
  });

  it('answers an active session with nothing pending, with no task', async () => {
    const { t, s } = await scope();

    await expect(repo.interruptActive(t, s)).resolves.toEqual({ sessionStatus: 'active', interrupted: [] });
  });

  it('touches nothing in a session that is not active and answers its status', async () => {
    const { t, s } = await scope();
    const [a, b] = await enqueueMany(t, s, 2);
    await repo.claim(t, a, RESERVE);
    await db.$executeRawUnsafe(`UPDATE sessions SET status = 'stopped', ended_at = now() WHERE id = $1::uuid`, s);

    await expect(repo.interruptActive(t, s)).resolves.toEqual({ sessionStatus: 'stopped', interrupted: [] });

    expect(await state(a)).toMatchObject({ status: 'speaking', interrupt_requested: false });
    expect(await state(b)).toMatchObject({ status: 'queued' });
  });

  it("answers no status and touches nothing for another tenant's session or an unknown id", async () => {
    const { t, s } = await scope();
    const a = await enqueue(t, s);

    await expect(repo.interruptActive(await tenant(), s)).resolves.toEqual({ sessionStatus: null, interrupted: [] });
    await expect(repo.interruptActive(t, randomUUID())).resolves.toEqual({ sessionStatus: null, interrupted: [] });

    expect(await state(a)).toMatchObject({ status: 'queued' });
  });
});

describe('finish, endInterrupted, fail, release', () => {
  async function speaking(): Promise<{ t: TenantScope; s: string; a: string }> {
    const { t, s } = await scope();
    const a = await enqueue(t, s);
    await repo.claim(t, a, RESERVE);
    return { t, s, a };
  }

  it('finish completes a speaking task', async () => {
    const { t, a } = await speaking();

    await expect(repo.finish(t, a)).resolves.not.toBeNull();

    expect(await state(a)).toMatchObject({ status: 'completed', ended: true, announced: false });
  });

  it('finish loses to a requested interrupt; the speaker then ends it interrupted', async () => {
    const { t, s, a } = await speaking();
    await repo.interruptPending(t, s);

    await expect(repo.finish(t, a)).resolves.toBeNull();
    expect(await state(a)).toMatchObject({ status: 'speaking' });

    await expect(repo.endInterrupted(t, a)).resolves.not.toBeNull();
    expect(await state(a)).toMatchObject({ status: 'interrupted', ended: true });
    await expect(repo.isSpeaking(t, s)).resolves.toBe(false);
  });

  it('finish refuses a task that is not speaking, and another tenant', async () => {
    const { t, s } = await scope();
    const a = await enqueue(t, s);
    await expect(repo.finish(t, a)).resolves.toBeNull();

    await repo.claim(t, a, RESERVE);
    await expect(repo.finish(await tenant(), a)).resolves.toBeNull();
    expect(await state(a)).toMatchObject({ status: 'speaking' });
  });

  it('endInterrupted answers false for a task that had already ended', async () => {
    const { t, a } = await speaking();
    await repo.finish(t, a);

    await expect(repo.endInterrupted(t, a)).resolves.toBeNull();
    expect(await state(a)).toMatchObject({ status: 'completed' });
  });

  it('fail ends a speaking or queued task with its error, and loses to a requested interrupt', async () => {
    const { t, s, a } = await speaking();
    const b = await enqueue(t, s);
    await expect(repo.fail(t, a, 'bad voice')).resolves.not.toBeNull();
    expect(await state(a)).toMatchObject({ status: 'failed', error: 'bad voice', ended: true });

    await repo.claim(t, b, RESERVE);
    await repo.interruptPending(t, s);
    await expect(repo.fail(t, b, 'bad voice')).resolves.toBeNull();
    expect(await state(b)).toMatchObject({ status: 'speaking', interrupt_requested: true });
  });

  it('release puts a speaking task back in line with its error, to be claimed again (attempt 2)', async () => {
    const { t, a } = await speaking();

    await expect(repo.release(t, a, 'vendor busy')).resolves.toBe(true);
    expect(await state(a)).toMatchObject({ status: 'queued', error: 'vendor busy' });

    await expect(repo.claim(t, a, RESERVE)).resolves.toMatchObject({ attempt: 2 });
  });

  it('release refuses when an interrupt was requested', async () => {
    const { t, s, a } = await speaking();
    await repo.interruptPending(t, s);

    await expect(repo.release(t, a, null)).resolves.toBe(false);

    expect(await state(a)).toMatchObject({ status: 'speaking', interrupt_requested: true });
  });
});

describe('isSpeaking, mustStop, nextQueued', () => {
  it('isSpeaking: false with only queued tasks, true while one speaks (interrupted or not)', async () => {
    const { t, s } = await scope();
    const a = await enqueue(t, s);
    await expect(repo.isSpeaking(t, s)).resolves.toBe(false);

    await repo.claim(t, a, RESERVE);
    await expect(repo.isSpeaking(t, s)).resolves.toBe(true);
    await expect(repo.isSpeaking(await tenant(), s)).resolves.toBe(false);
  });

  it('mustStop: of the given ids, those asked to stop or no longer speaking', async () => {
    const { t, s } = await scope();
    const s2 = await session(t);
    const s3 = await session(t);
    const interrupted = await enqueue(t, s);
    const speaking = await enqueue(t, s2);
    const endedElsewhere = await enqueue(t, s3);
    for (const id of [interrupted, speaking, endedElsewhere]) await repo.claim(t, id, RESERVE);
    await repo.interruptPending(t, s);
    await repo.finish(t, endedElsewhere);

    const stop = await repo.mustStop([interrupted, speaking, endedElsewhere]);

    expect(stop.sort()).toEqual([interrupted, endedElsewhere].sort());
    await expect(repo.mustStop([])).resolves.toEqual([]);
    await expect(repo.mustStop([speaking])).resolves.toEqual([]);
  });

  it('the statement that ends a task names the queued task after it (or none)', async () => {
    const { t, s } = await scope();
    const [a, b, c] = await enqueueMany(t, s, 3);
    await repo.claim(t, a, RESERVE);
    await expect(repo.finish(t, a)).resolves.toEqual({ nextTaskId: b });

    await repo.claim(t, b, RESERVE);
    await repo.interruptPending(t, s); // c ends at once, b is asked to stop
    await expect(repo.endInterrupted(t, b)).resolves.toEqual({ nextTaskId: null });
    const d = await enqueue(t, s);
    await repo.claim(t, d, RESERVE);
    await expect(repo.fail(t, d, 'bad voice')).resolves.toEqual({ nextTaskId: null });
    expect(await state(c)).toMatchObject({ status: 'interrupted' });
  });

  it('nextQueued: the first queued task after a position', async () => {
    const { t, s } = await scope();
    const [, b] = await enqueueMany(t, s, 3);

    await expect(repo.nextQueued(t, s, 1)).resolves.toEqual({ id: b });
    await repo.interruptPending(t, s);
    await expect(repo.nextQueued(t, s, 1)).resolves.toBeNull();
  });
});

describe('stale (the reconciler sweep)', () => {
  const STALE_MS = 2000;
  const heads = async () => (await repo.stale(STALE_MS, 1000)).heads;
  const unannounced = async () => (await repo.stale(STALE_MS, 1000)).unannounced;

  it('finds a queued task at the head of its line that has waited longer than staleMs, with all the job needs', async () => {
    const { t, s } = await scope();
    const a = await enqueue(t, s);
    await age(a, 10);

    const found = (await heads()).find((h) => h.id === a);

    expect(found).toEqual({
      tenantId: t,
      sessionId: s,
      id: a,
      seq: 1,
      status: 'queued',
      error: null,
      durationEstimateMs: 1000,
      traceparent: null,
      spokenSeconds: 0,
    });
  });

  it('does not find a fresh queued head', async () => {
    const { t, s } = await scope();
    const a = await enqueue(t, s);

    expect((await heads()).map((h) => h.id)).not.toContain(a);
  });

  it('does not find a queued task behind an unfinished one (queued or speaking), only the head', async () => {
    const { t, s } = await scope();
    const [a, b, c] = await enqueueMany(t, s, 3);
    for (const id of [a, b, c]) await age(id, 10);

    expect((await heads()).map((h) => h.id).filter((id) => [a, b, c].includes(id))).toEqual([a]);

    await repo.claim(t, a, RESERVE);
    expect((await heads()).map((h) => h.id).filter((id) => [a, b, c].includes(id))).toEqual([]);

    await repo.finish(t, a);
    expect((await heads()).map((h) => h.id).filter((id) => [a, b, c].includes(id))).toEqual([b]);
  });

  it('finds tasks that ended longer than staleMs ago without their announcement, not announced ones or fresh ones', async () => {
    const { t, s } = await scope();
    const [a, b, c] = await enqueueMany(t, s, 3);
    await repo.claim(t, a, RESERVE);
    // It spoke for 3 s (spoken_ms is fixed when it ends).
    await db.$executeRawUnsafe(`UPDATE speech_tasks SET started_at = started_at - interval '3 seconds' WHERE id = $1::uuid`, a);
    await repo.finish(t, a);
    await repo.claim(t, b, RESERVE);
    await repo.fail(t, b, 'bad voice');
    await repo.claim(t, c, RESERVE);
    await repo.finish(t, c); // fresh: its worker may be announcing it right now
    await age(a, 10);
    await age(b, 10);
    await announced(b);

    const found = (await unannounced()).filter((u) => [a, b, c].includes(u.id));

    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ tenantId: t, sessionId: s, id: a, status: 'completed', error: null });
    expect(found[0].spokenSeconds).toBeCloseTo(3, 1);

    await announced(a);
    expect((await unannounced()).map((u) => u.id)).not.toContain(a);
  });
});

describe('enqueue: the queued-task quota (max_queued_tasks_per_session)', () => {
  const quota = (maxPending: number) => ({ maxPending });
  const speak = (t: TenantScope, s: string, maxPending: number) => repo.enqueue(t, s, { id: randomUUID(), text: 'hi', durationEstimateMs: 1000 }, quota(maxPending));

  it('refuses a task beyond the limit with the limit and the count, and admits one again once a task has ended', async () => {
    const { t, s } = await scope();
    const [a] = [(await speak(t, s, 3)) as { outcome: 'queued'; task: { id: string } }];
    await speak(t, s, 3);
    await speak(t, s, 3);

    await expect(speak(t, s, 3)).resolves.toEqual({ outcome: 'quota_exceeded', limit: 3, current: 3 });
    expect(await taskSeq(s)).toBe(3);

    await repo.claim(t, a.task.id, RESERVE);
    await expect(speak(t, s, 3)).resolves.toEqual({ outcome: 'quota_exceeded', limit: 3, current: 3 });
    await repo.finish(t, a.task.id);
    await expect(speak(t, s, 3)).resolves.toMatchObject({ outcome: 'queued', task: { seq: 4 } });
  });

  it('admits exactly the limit of 10 concurrent speaks that all waited for the session row (their snapshots predate each other’s tasks)', async () => {
    const { t, s } = await scope();
    // Hold the session row from another connection, so all ten statements start (and
    // take their snapshots) before any of them can insert, then let them through one
    // after another. (The repository's pool has ten connections: one per speak.)
    const side = createDatabase(database.url);
    const holder = await side.sql.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM sessions WHERE id = $1::uuid FOR UPDATE', [s]);
      const speaks = Promise.all(Array.from({ length: 10 }, () => speak(t, s, 3)));
      await waitForLockWaiters(side, 10);
      await holder.query('COMMIT');

      const results = await speaks;

      expect(results.filter((r) => r.outcome === 'queued')).toHaveLength(3);
      expect(results.filter((r) => r.outcome === 'quota_exceeded')).toHaveLength(7);
    } finally {
      holder.release();
      await side.close();
    }
    const rows = await db.$queryRawUnsafe<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM speech_tasks WHERE session_id = $1::uuid`, s);
    expect(rows[0].n).toBe(3);
  });

  it('says session_not_active, not quota, for a stopped session that was full', async () => {
    const { t, s } = await scope();
    await speak(t, s, 1);
    await stopSession(s);

    await expect(speak(t, s, 1)).resolves.toEqual({ outcome: 'session_not_active', status: 'stopped' });
  });
});

/** Waits (asking through `watcher`) until at least `n` enqueue statements of this database wait for a lock. */
async function waitForLockWaiters(watcher: Database, n: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { rows } = await watcher.sql.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%task_seq%'`,
    );
    if (rows[0].n >= n) return;
    if (Date.now() > deadline) throw new Error(`only ${rows[0].n} enqueue statements wait for the session row`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('spoken_ms: fixed when a task ends', () => {
  interface Spoken {
    spoken_ms: number | null;
    span_ms: number | null;
  }
  /** spoken_ms and ended_at − started_at, both by the database. */
  async function spoken(taskId: string): Promise<Spoken> {
    const rows = await db.$queryRawUnsafe<Spoken[]>(
      `SELECT spoken_ms, round(extract(epoch FROM ended_at - started_at) * 1000)::int AS span_ms FROM speech_tasks WHERE id = $1::uuid`,
      taskId,
    );
    return rows[0];
  }
  /** A task speaking since `seconds` ago (its start moved into the past). */
  async function speakingFor(seconds: number): Promise<{ t: TenantScope; s: string; a: string }> {
    const { t, s } = await scope();
    const a = await enqueue(t, s);
    await repo.claim(t, a, RESERVE);
    await db.$executeRawUnsafe(`UPDATE speech_tasks SET started_at = started_at - make_interval(secs => $2::float8) WHERE id = $1::uuid`, a, seconds);
    return { t, s, a };
  }

  it('finish: from its start to its end', async () => {
    const { t, a } = await speakingFor(2.5);
    await repo.finish(t, a);

    const row = await spoken(a);
    expect(row.spoken_ms).toBe(row.span_ms);
    expect(row.spoken_ms).toBeGreaterThanOrEqual(2500);
  });

  it('endInterrupted and fail of a speaking task: from its start to its end', async () => {
    const interrupted = await speakingFor(1.2);
    await repo.interruptPending(interrupted.t, interrupted.s);
    await repo.endInterrupted(interrupted.t, interrupted.a);
    const failed = await speakingFor(0.7);
    await repo.fail(failed.t, failed.a, 'vendor gone');

    for (const id of [interrupted.a, failed.a]) {
      const row = await spoken(id);
      expect(row.spoken_ms).toBe(row.span_ms);
    }
    expect((await spoken(interrupted.a)).spoken_ms).toBeGreaterThanOrEqual(1200);
    expect((await spoken(failed.a)).spoken_ms).toBeGreaterThanOrEqual(700);
  });

  it('0 for a task that ends while queued: never started, or handed back to the queue before it ended', async () => {
    const { t, s, a } = await speakingFor(3);
    const b = await enqueue(t, s);
    const c = await enqueue(t, s);
    await repo.release(t, a, 'vendor busy');
    await repo.fail(t, c, 'bad voice');

    await repo.interruptPending(t, s);

    expect((await spoken(a)).spoken_ms).toBe(0);
    expect((await spoken(b)).spoken_ms).toBe(0);
    expect((await spoken(c)).spoken_ms).toBe(0);
  });

  it('whyNot reports the spoken seconds that were fixed', async () => {
    const { t, a } = await speakingFor(1.5);
    await repo.finish(t, a);
    const row = await spoken(a);

    await expect(repo.whyNot(t, a)).resolves.toMatchObject({ reason: 'ended', status: 'completed', spokenSeconds: row.spoken_ms! / 1000 });
  });
});

describe('listOfSession (history)', () => {
  it('answers the session’s tasks in speaking order, the latest ones when there are more than the limit', async () => {
    const { t, s } = await scope();
    const ids = await enqueueMany(t, s, 5);

    const all = await repo.listOfSession(t, s, 10);
    const last3 = await repo.listOfSession(t, s, 3);

    expect(all).toMatchObject({ truncated: false });
    expect(all.tasks.map((x) => x.id)).toEqual(ids);
    expect(last3.truncated).toBe(true);
    expect(last3.tasks.map((x) => x.seq)).toEqual([3, 4, 5]);
    await expect(repo.listOfSession(await tenant(), s, 10)).resolves.toEqual({ tasks: [], truncated: false });
  });
});

describe('audio tasks', () => {
  it('stores the audio with its task in the same statement; claim says audio, audioOf gives the PCM back (tenant-scoped)', async () => {
    const { t, s } = await scope();
    const id = randomUUID();
    const pcm = Buffer.from(Int16Array.from({ length: 2400 }, (_, i) => (i % 50) * 300).buffer);

    const result = await repo.enqueue(t, s, { id, text: '', durationEstimateMs: 100, audio: { pcm, sampleRate: 24_000 } }, ROOMY);

    expect(result.outcome).toBe('queued');
    const claimed = await repo.claim(t, id, 10);
    expect(claimed?.kind).toBe('audio');
    const audio = await repo.audioOf(t, id);
    expect(audio?.sampleRate).toBe(24_000);
    expect(Buffer.compare(audio!.pcm, pcm)).toBe(0);
    expect(await repo.audioOf(await tenant(), id)).toBeNull();
  });

  it('a text task is kind text and has no audio', async () => {
    const { t, s } = await scope();
    const id = await enqueue(t, s);

    expect((await repo.claim(t, id, 10))?.kind).toBe('text');
    expect(await repo.audioOf(t, id)).toBeNull();
  });

  it('a refused audio task leaves no audio row behind', async () => {
    const t = await tenant();
    const s = await session(t, 'stopped');
    const id = randomUUID();

    const result = await repo.enqueue(t, s, { id, text: '', durationEstimateMs: 100, audio: { pcm: Buffer.alloc(480), sampleRate: 24_000 } }, ROOMY);

    expect(result.outcome).toBe('session_not_active');
    const [{ n }] = await db.$queryRawUnsafe<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM speech_task_audio WHERE task_id = $1::uuid`, id);
    expect(n).toBe(0);
  });
});

describe('enqueue: the interrupt condition (a chat reply)', () => {
  async function interruptSeq(sessionId: string): Promise<number> {
    const [row] = await db.$queryRawUnsafe<Array<{ interrupt_seq: number }>>(`SELECT interrupt_seq FROM sessions WHERE id = $1::uuid`, sessionId);
    return row.interrupt_seq;
  }

  it('every interrupt statement bumps the session interrupt count, with or without pending tasks', async () => {
    const { t, s } = await scope();
    const before = await interruptSeq(s);

    await repo.interruptPending(t, s);
    await enqueue(t, s);
    await repo.interruptActive(t, s);

    expect(await interruptSeq(s)).toBe(before + 2);
  });

  it('queues while the count is unchanged, and refuses (interrupted, nothing written) once an interrupt came', async () => {
    const { t, s } = await scope();
    const seq = await interruptSeq(s);
    const first = randomUUID();
    const second = randomUUID();

    expect((await repo.enqueue(t, s, { id: first, text: 'one', durationEstimateMs: 500 }, { ...ROOMY, interruptSeq: seq })).outcome).toBe('queued');
    await repo.interruptPending(t, s);
    const refused = await repo.enqueue(t, s, { id: second, text: 'two', durationEstimateMs: 500 }, { ...ROOMY, interruptSeq: seq });

    expect(refused).toEqual({ outcome: 'interrupted' });
    expect(await repo.find(t, second)).toBeNull();
  });

  it('interruptActive of a session that is not active does not bump the count', async () => {
    const t = await tenant();
    const s = await session(t, 'created');

    await repo.interruptActive(t, s);

    expect(await interruptSeq(s)).toBe(0);
  });
});
