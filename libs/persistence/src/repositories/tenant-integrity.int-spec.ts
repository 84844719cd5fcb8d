// What the database itself guarantees about tenancy and billing, on a real PostgreSQL
// (a fresh database cloned from the migrated template): the composite foreign keys
// (tenant_id, session_id) → sessions(tenant_id, id) refuse a task or an event filed
// under another tenant than its session's, whatever code wrote it; and billed_seconds(),
// the one place the billing rule is applied (docs/adr/0008).
import { randomUUID } from 'node:crypto';
import { createTestDatabase, TestDatabase } from '../../../../test/support/infra';
import { createDatabase, Database } from '../persistence.module';

jest.setTimeout(30_000);

const FOREIGN_KEY_VIOLATION = '23503';

let database: TestDatabase;
let connection: Database;

beforeAll(async () => {
  database = await createTestDatabase('tenant_integrity');
  connection = createDatabase(database.url);
});

afterAll(async () => {
  await connection.close();
  await database.drop();
});

const query = (text: string, values: unknown[] = []) => connection.sql.pool.query(text, values);

async function tenant(): Promise<string> {
  const id = randomUUID();
  await query(`INSERT INTO tenants (id, name) VALUES ($1::uuid, 'spec')`, [id]);
  return id;
}

async function session(tenantId: string): Promise<string> {
  const id = randomUUID();
  await query(`INSERT INTO sessions (id, tenant_id, provider, avatar_id, quality, status) VALUES ($1::uuid, $2::uuid, 'local', 'a', 'high', 'active')`, [id, tenantId]);
  return id;
}

const insertTask = (tenantId: string, sessionId: string) =>
  query(`INSERT INTO speech_tasks (id, tenant_id, session_id, seq, text, duration_estimate_ms) VALUES ($1::uuid, $2::uuid, $3::uuid, 1, 'hello', 1000)`, [
    randomUUID(),
    tenantId,
    sessionId,
  ]);

let streamSeq = 0;
const insertEvent = (tenantId: string, sessionId: string) =>
  query(`INSERT INTO session_events (tenant_id, session_id, stream_seq, type, payload) VALUES ($1::uuid, $2::uuid, $3, 'status', '{}')`, [
    tenantId,
    sessionId,
    (streamSeq += 1),
  ]);

/** The SQLSTATE and constraint a statement failed with. */
async function refusal(statement: Promise<unknown>): Promise<{ code?: string; constraint?: string }> {
  const err = (await statement.then(
    () => ({}),
    (e: unknown) => e,
  )) as { code?: string; constraint?: string };
  return { code: err.code, constraint: err.constraint };
}

const countOf = async (table: 'speech_tasks' | 'session_events', sessionId: string) =>
  Number((await query(`SELECT count(*) FROM ${table} WHERE session_id = $1::uuid`, [sessionId])).rows[0].count);

describe('composite (tenant_id, session_id) foreign keys', () => {
  it("refuses a speech task filed under another tenant than its session's, and takes one of the session's tenant", async () => {
    const [a, b] = [await tenant(), await tenant()];
    const sessionOfA = await session(a);

    await expect(refusal(insertTask(b, sessionOfA))).resolves.toEqual({ code: FOREIGN_KEY_VIOLATION, constraint: 'speech_tasks_tenant_id_session_id_fkey' });
    expect(await countOf('speech_tasks', sessionOfA)).toBe(0);

    await insertTask(a, sessionOfA);
    expect(await countOf('speech_tasks', sessionOfA)).toBe(1);
  });

  it("refuses a session event filed under another tenant than its session's, and takes one of the session's tenant", async () => {
    const [a, b] = [await tenant(), await tenant()];
    const sessionOfA = await session(a);

    await expect(refusal(insertEvent(b, sessionOfA))).resolves.toEqual({ code: FOREIGN_KEY_VIOLATION, constraint: 'session_events_tenant_id_session_id_fkey' });
    expect(await countOf('session_events', sessionOfA)).toBe(0);

    await insertEvent(a, sessionOfA);
    expect(await countOf('session_events', sessionOfA)).toBe(1);
  });

  it("refuses to move a task to another tenant's session afterwards", async () => {
    const [a, b] = [await tenant(), await tenant()];
    const [sessionOfA, sessionOfB] = [await session(a), await session(b)];
    await insertTask(a, sessionOfA);

    const move = query(`UPDATE speech_tasks SET session_id = $2::uuid WHERE session_id = $1::uuid`, [sessionOfA, sessionOfB]);

    await expect(refusal(move)).resolves.toMatchObject({ code: FOREIGN_KEY_VIOLATION });
  });
});

describe('billed_seconds(duration_ms, started, billing)', () => {
  const billed = async (durationMs: number, started: boolean, billing: object = {}) =>
    (await query(`SELECT billed_seconds($1::int, $2::boolean, $3::jsonb) AS s`, [durationMs, started, JSON.stringify(billing)])).rows[0].s as number;

  it('bills nothing for a session that never started, whatever the rule', async () => {
    await expect(billed(0, false)).resolves.toBe(0);
    await expect(billed(5_000, false)).resolves.toBe(0);
    await expect(billed(5_000, false, { model: 'minimum_then_per_second', minimum_seconds: 60 })).resolves.toBe(0);
  });

  it.each([
    [1, 1],
    [999, 1],
    [1_000, 1],
    [1_001, 2],
    [61_200, 62],
  ])('per second (the default): %i ms is %i s, rounded up to the whole second', async (ms, seconds) => {
    await expect(billed(ms, true)).resolves.toBe(seconds);
    await expect(billed(ms, true, { model: 'per_second' })).resolves.toBe(seconds);
  });

  it.each([
    [5_000, 60],
    [60_000, 60],
    [60_001, 61],
    [61_200, 62],
  ])('minimum 60 s then per second: %i ms is %i s', async (ms, seconds) => {
    await expect(billed(ms, true, { model: 'minimum_then_per_second', minimum_seconds: 60 })).resolves.toBe(seconds);
  });
});
