// Usage reads on a real PostgreSQL: sessions are inserted with chosen start, end,
// duration and bill, so every figure is checked exactly (only running sessions depend
// on the clock, and only through lower bounds).
import { randomUUID } from 'node:crypto';
import { TenantScope, TenantScopes } from '@avatar/contracts';
import { UsageReport } from '@avatar/usage';
import { createTestDatabase, TestDatabase } from '../../../../test/support/infra';
import { createDatabase, Database } from '../persistence.module';
import type { Db } from './prisma-client.token';
import type { UsageSession } from '@avatar/usage';
import { UsageRepository } from './usage.repository';

jest.setTimeout(30_000);

let database: TestDatabase;
let connection: Database;
let db: Db;
let repo: UsageRepository;

beforeAll(async () => {
  database = await createTestDatabase('usage_repo');
  connection = createDatabase(database.url);
  db = connection.prisma;
  repo = new UsageRepository(connection.sql);
});

afterAll(async () => {
  await connection.close();
  await database.drop();
});

async function tenant(quotas: Record<string, unknown> = {}): Promise<TenantScope> {
  const id = TenantScopes.ofRecord(randomUUID());
  await db.$executeRawUnsafe(`INSERT INTO tenants (id, name, quotas) VALUES ($1::uuid, 'spec', $2::jsonb)`, id, JSON.stringify(quotas));
  return id;
}

/** The start of the database's current UTC month. */
async function monthStart(): Promise<Date> {
  const rows = await db.$queryRawUnsafe<Array<{ start: Date }>>(`SELECT date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS start`);
  return rows[0].start;
}

/** A stopped session from `start` lasting `durationMs`, billed `billed` (default: rounded up). */
async function stopped(tenantId: string, start: Date, durationMs: number, extra: { billed?: number; provider?: string; avatar?: string } = {}): Promise<string> {
  const id = randomUUID();
  await db.$executeRawUnsafe(
    `INSERT INTO sessions (id, tenant_id, provider, avatar_id, quality, status, started_at, ended_at, duration_ms, billed_seconds, end_reason)
     VALUES ($1::uuid, $2::uuid, $3, $4, 'medium', 'stopped', $5::timestamptz, $5::timestamptz + $6 * interval '1 millisecond', $6, $7, 'client_stop')`,
    id,
    tenantId,
    extra.provider ?? 'local',
    extra.avatar ?? 'avatar_1',
    start.toISOString(),
    durationMs,
    extra.billed ?? Math.ceil(durationMs / 1000),
  );
  return id;
}

/** An active session that started `agoS` seconds ago (or a created one: agoS null). */
async function live(tenantId: string, agoS: number | null): Promise<string> {
  const id = randomUUID();
  await db.$executeRawUnsafe(
    `INSERT INTO sessions (id, tenant_id, provider, avatar_id, quality, status, started_at)
     VALUES ($1::uuid, $2::uuid, 'local', 'avatar_1', 'medium', $3::session_status, now() - make_interval(secs => $4::float8))`,
    id,
    tenantId,
    agoS === null ? 'created' : 'active',
    agoS,
  );
  return id;
}

async function task(tenantId: string, sessionId: string, start: Date, spokenMs: number | null, status = 'completed'): Promise<void> {
  await db.$executeRawUnsafe(
    `INSERT INTO speech_tasks (id, tenant_id, session_id, seq, text, status, duration_estimate_ms, started_at, ended_at, spoken_ms)
     VALUES ($1::uuid, $2::uuid, $3::uuid, (SELECT COALESCE(max(seq), 0) + 1 FROM speech_tasks WHERE session_id = $3::uuid), 'hi', $4::speech_task_status, 1000,
             $5::timestamptz, $5::timestamptz + COALESCE($6, 0) * interval '1 millisecond', $6)`,
    randomUUID(),
    tenantId,
    sessionId,
    status,
    start.toISOString(),
    spokenMs,
  );
}

const plus = (d: Date, ms: number) => new Date(d.getTime() + ms);

async function all(tenantId: TenantScope, from: Date, to: Date, pageSize?: number): Promise<UsageSession[]> {
  const out: UsageSession[] = [];
  for await (const page of repo.sessionsOverlapping(tenantId, from, to, pageSize)) out.push(...page);
  return out;
}

describe('monthUsage', () => {
  it('adds up this UTC month’s session time exactly: a session from last month only from the month’s start, never-started and other tenants’ sessions not at all', async () => {
    const t = await tenant();
    const other = await tenant();
    const start = await monthStart();
    await stopped(t, plus(start, -90_500), 120_000); // 29.5 s in this month
    await stopped(t, plus(start, 10_000), 61_001);
    await stopped(t, plus(start, -3_600_000), 60_000); // all of it last month
    await live(t, null);
    await stopped(other, plus(start, 10_000), 500_000);

    const usage = await repo.monthUsage(t);

    expect(usage).toEqual({ month: start.toISOString().slice(0, 7), usedMs: 29_500 + 61_001 });
  });

  it('counts a running session up to now', async () => {
    const t = await tenant();
    await live(t, 5);

    expect((await repo.monthUsage(t)).usedMs).toBeGreaterThanOrEqual(5_000);
  });
});

describe('tenantsWithBudget and monthStandings', () => {
  it('lists the active tenants whose quotas name monthly minutes (or all of them), with the stored quotas', async () => {
    const budgeted = await tenant({ monthly_minutes: 10 });
    const unlimited = await tenant({ max_active_sessions: 3 });
    const disabled = await tenant({ monthly_minutes: 10 });
    await db.$executeRawUnsafe(`UPDATE tenants SET status = 'disabled' WHERE id = $1::uuid`, disabled);

    const named = (await repo.tenantsWithBudget(false)).map((x) => x.tenantId);
    const every = (await repo.tenantsWithBudget(true)).map((x) => x.tenantId);

    expect(named).toContain(budgeted);
    expect(named).not.toContain(unlimited);
    expect(named).not.toContain(disabled);
    expect(every).toEqual(expect.arrayContaining([budgeted, unlimited]));
    expect((await repo.tenantsWithBudget(false)).find((x) => x.tenantId === budgeted)?.quotas).toEqual({ monthly_minutes: 10 });
  });

  it('answers each tenant’s month usage, budget and running sessions in one statement', async () => {
    const a = await tenant();
    const b = await tenant();
    const start = await monthStart();
    await stopped(a, plus(start, 1_000), 59_000);
    await live(a, null);
    await live(a, 0);
    await stopped(b, plus(start, 1_000), 1_234);

    const standings = await repo.monthStandings([
      { tenantId: a, budgetMs: 60_000 },
      { tenantId: b, budgetMs: 120_000 },
    ]);

    const month = start.toISOString().slice(0, 7);
    const [ofA, ofB] = [a, b].map((t) => standings.find((x) => x.tenantId === t)!);
    expect(ofA).toMatchObject({ month, budgetMs: 60_000, running: 1 });
    expect(ofA.usedMs).toBeGreaterThanOrEqual(59_000);
    expect(ofB).toEqual({ tenantId: b, month, usedMs: 1_234, budgetMs: 120_000, running: 0 });
    await expect(repo.monthStandings([])).resolves.toEqual([]);
  });
});

describe('sessionsOverlapping and the report over them', () => {
  const FROM = new Date('2026-02-01T00:00:00.000Z');
  const TO = new Date('2026-03-01T00:00:00.000Z');

  it('reads, a page at a time in start order, the tenant’s sessions with time in the range, with their tasks that spoke', async () => {
    const t = await tenant();
    const other = await tenant();
    const before = await stopped(t, new Date('2026-01-31T23:00:00.000Z'), 3_600_000); // ends exactly at FROM
    await stopped(t, new Date('2026-01-31T22:00:00.000Z'), 60_000); // before the range
    const over = await stopped(t, new Date('2026-01-31T23:59:30.400Z'), 74_700, { billed: 75 });
    const inside = await stopped(t, new Date('2026-02-10T12:00:00.000Z'), 1_000, { billed: 60 });
    const last = await stopped(t, new Date('2026-02-28T23:59:59.999Z'), 10);
    await stopped(t, TO, 5_000); // starts at TO: outside
    await stopped(other, new Date('2026-02-10T12:00:00.000Z'), 1_000);
    await task(t, inside, new Date('2026-02-10T12:00:00.100Z'), 800);
    await task(t, inside, new Date('2026-02-10T12:00:00.050Z'), 0, 'interrupted');

    const rows = await all(t, FROM, TO, 2);

    expect(rows.map((r) => r.id)).toEqual([before, over, inside, last]);
    expect(rows[2]).toEqual({
      id: inside,
      provider: 'local',
      avatarId: 'avatar_1',
      startMs: Date.parse('2026-02-10T12:00:00.000Z'),
      durationMs: 1_000,
      billedSeconds: 60,
      tasks: [{ startMs: Date.parse('2026-02-10T12:00:00.100Z'), endMs: Date.parse('2026-02-10T12:00:00.900Z') }],
    });
  });

  it('gives a report whose totals equal the sessions’ own figures over the month, split at its boundaries', async () => {
    const t = await tenant();
    await stopped(t, new Date('2026-01-31T23:59:30.400Z'), 74_700, { billed: 75 }); // 45.1 s in February
    await stopped(t, new Date('2026-02-14T23:59:00.000Z'), 120_500, { billed: 121, avatar: 'x' }); // over midnight
    await stopped(t, new Date('2026-02-28T23:59:00.000Z'), 90_000, { billed: 90 }); // 60 s in February
    const now = await repo.now();

    const report = new UsageReport({ fromMs: FROM.getTime(), toMs: TO.getTime() }, 'day', now.getTime());
    for (const s of await all(t, FROM, TO)) report.add(s);

    expect(report.rows().map((r) => [r.key, r.sessions, r.durationMs, r.billedSeconds])).toEqual([
      ['2026-02-01', 1, 45_100, 46],
      ['2026-02-14', 1, 60_000, 60],
      ['2026-02-15', 1, 60_500, 61],
      ['2026-02-28', 1, 60_000, 60],
    ]);
    expect(report.totals()).toEqual({ sessions: 3, durationMs: 45_100 + 120_500 + 60_000, billedSeconds: 46 + 121 + 60, spokenMs: 0 });
  });

  it('reads a running session without a duration or bill (the report counts it up to now)', async () => {
    const t = await tenant();
    const running = await live(t, 3);
    const now = await repo.now();

    const rows = await all(t, new Date(now.getTime() - 86_400_000), new Date(now.getTime() + 86_400_000));

    expect(rows).toEqual([expect.objectContaining({ id: running, durationMs: null, billedSeconds: null })]);
  });
});
