// The event history write (one INSERT for a batch of sessions) on a real PostgreSQL.
import { randomUUID } from 'node:crypto';
import { TenantScope, TenantScopes } from '@avatar/contracts';
import { createTestDatabase, TestDatabase } from '../../../../test/support/infra';
import { createDatabase, Database } from '../persistence.module';
import { SessionEventsRepository } from './session-events.repository';

jest.setTimeout(30_000);

let database: TestDatabase;
let connection: Database;
let repo: SessionEventsRepository;

beforeAll(async () => {
  database = await createTestDatabase('session_events_repo');
  connection = createDatabase(database.url);
  repo = new SessionEventsRepository(connection.sql);
});

afterAll(async () => {
  await connection.close();
  await database.drop();
});

async function session(): Promise<{ tenantId: TenantScope; sessionId: string }> {
  const [tenantId, sessionId] = [TenantScopes.ofRecord(randomUUID()), randomUUID()];
  await connection.sql.pool.query(`INSERT INTO tenants (id, name) VALUES ($1::uuid, 'spec')`, [tenantId]);
  await connection.sql.pool.query(
    `INSERT INTO sessions (id, tenant_id, provider, avatar_id, quality, status) VALUES ($1::uuid, $2::uuid, 'local', 'a', 'high', 'active')`,
    [sessionId, tenantId],
  );
  return { tenantId, sessionId };
}

const rowsOf = async (sessionId: string) =>
  (
    await connection.sql.pool.query(
      `SELECT tenant_id::text, stream_seq::int AS seq, type, task_id, payload, created_at FROM session_events WHERE session_id = $1::uuid ORDER BY stream_seq`,
      [sessionId],
    )
  ).rows;

describe('SessionEventsRepository.appendMany', () => {
  it('writes the events of several sessions in one call, each row with its own tenant, payload and time', async () => {
    const a = await session();
    const b = await session();
    const at = new Date('2026-11-21T10:00:00.123Z');

    await repo.appendMany([
      { ...a, events: [{ streamSeq: 1, type: 'task.started', taskId: 'k1', payload: { task_id: 'k1', note: 'quote " and \\\\ backslash' }, createdAt: at }] },
      { ...b, events: [{ streamSeq: 2, type: 'status', payload: { status: 'idle', message: 'ünïcode ✓' }, createdAt: at }] },
    ]);

    expect(await rowsOf(a.sessionId)).toEqual([
      { tenant_id: a.tenantId, seq: 1, type: 'task.started', task_id: 'k1', payload: { task_id: 'k1', note: 'quote " and \\\\ backslash' }, created_at: at },
    ]);
    expect(await rowsOf(b.sessionId)).toEqual([{ tenant_id: b.tenantId, seq: 2, type: 'status', task_id: null, payload: { status: 'idle', message: 'ünïcode ✓' }, created_at: at }]);
  });

  it('writes a redelivered event once (idempotent on session and stream sequence)', async () => {
    const a = await session();
    const event = { streamSeq: 5, type: 'status', payload: { status: 'idle' }, createdAt: new Date() };

    await repo.append(a.tenantId, a.sessionId, [event]);
    await repo.appendMany([{ ...a, events: [event, { ...event, streamSeq: 6 }] }]);

    expect((await rowsOf(a.sessionId)).map((r) => r.seq)).toEqual([5, 6]);
  });

  it('refuses a row whose session does not exist, writing none of the batch', async () => {
    const a = await session();
    const write = repo.appendMany([
      { ...a, events: [{ streamSeq: 1, type: 'status', payload: {}, createdAt: new Date() }] },
      { tenantId: a.tenantId, sessionId: randomUUID(), events: [{ streamSeq: 2, type: 'status', payload: {}, createdAt: new Date() }] },
    ]);

    await expect(write).rejects.toThrow(/foreign key/);
    expect(await rowsOf(a.sessionId)).toEqual([]);
  });

  it("marks the task of a terminal event announced, in the event's tenant only", async () => {
    const a = await session();
    const [ended, other] = [randomUUID(), randomUUID()];
    for (const [id, seq] of [[ended, 1], [other, 2]] as const) {
      await connection.sql.pool.query(
        `INSERT INTO speech_tasks (id, tenant_id, session_id, seq, text, duration_estimate_ms, status, ended_at) VALUES ($1::uuid, $2::uuid, $3::uuid, $4, 'x', 1000, 'interrupted', now())`,
        [id, a.tenantId, a.sessionId, seq],
      );
    }
    const announcedAt = async (id: string) => (await connection.sql.pool.query(`SELECT announced_at FROM speech_tasks WHERE id = $1::uuid`, [id])).rows[0].announced_at;
    const b = await session();

    await repo.appendMany([
      // Another tenant naming a's task: nothing happens to it.
      { ...b, events: [{ streamSeq: 1, type: 'task.interrupted', taskId: other, ending: true, payload: { task_id: other }, createdAt: new Date() }] },
      { ...a, events: [{ streamSeq: 2, type: 'task.started', taskId: other, payload: { task_id: other }, createdAt: new Date() }] },
      { ...a, events: [{ streamSeq: 3, type: 'task.interrupted', taskId: ended, ending: true, payload: { task_id: ended }, createdAt: new Date() }] },
    ]);

    expect(await announcedAt(ended)).toBeInstanceOf(Date);
    expect(await announcedAt(other)).toBeNull();
  });
});

describe('SessionEventsRepository.listOfSession (history)', () => {
  it('answers the session’s events in stream order (numeric: 9 before 10), the latest ones when there are more than the limit, only to its tenant', async () => {
    const a = await session();
    const at = new Date('2026-11-21T10:00:00.000Z');
    const seqs = [3, 9, 10, 11, 100];
    await repo.append(a.tenantId, a.sessionId, seqs.map((streamSeq) => ({ streamSeq, type: 'status', payload: { status: 'idle', n: streamSeq }, createdAt: at })));

    const all = await repo.listOfSession(a.tenantId, a.sessionId, 10);
    const last3 = await repo.listOfSession(a.tenantId, a.sessionId, 3);

    expect(all.truncated).toBe(false);
    expect(all.events.map((e) => e.streamSeq)).toEqual(seqs);
    expect(all.events[0]).toEqual({ streamSeq: 3, type: 'status', taskId: null, payload: { status: 'idle', n: 3 }, createdAt: at });
    expect(last3).toMatchObject({ truncated: true });
    expect(last3.events.map((e) => e.streamSeq)).toEqual([10, 11, 100]);
    const other = await session();
    await expect(repo.listOfSession(other.tenantId, a.sessionId, 10)).resolves.toEqual({ events: [], truncated: false });
  });
});
