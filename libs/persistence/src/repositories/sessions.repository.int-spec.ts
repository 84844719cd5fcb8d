// The session lifecycle SQL (docs/adr/0007) on a real PostgreSQL: a fresh database,
// cloned from the migrated template, per test (the heartbeat row is platform-wide).
// Time is set up in the database itself (`now() - interval …`), so every figure below
// is compared with the database's own clock, exactly.
import { randomUUID } from 'node:crypto';
import { TenantScope, TenantScopes } from '@avatar/contracts';
import { createTestDatabase, TestDatabase } from '../../../../test/support/infra';
import { createDatabase, Database } from '../persistence.module';
import type { Db } from './prisma-client.token';
import { LifecycleSettings, SessionsRepository } from './sessions.repository';

jest.setTimeout(30_000);

const SETTINGS: LifecycleSettings = { graceMs: 15_000, idleTimeoutS: 120, maxDurationS: 3600 };

let database: TestDatabase;
let connection: Database;
let db: Db;
let repo: SessionsRepository;
const extraConnections: Database[] = [];

beforeEach(async () => {
  database = await createTestDatabase('sessions_repo');
  connection = createDatabase(database.url);
  db = connection.prisma;
  repo = new SessionsRepository(db, connection.sql);
});

afterEach(async () => {
  await Promise.all([connection, ...extraConnections.splice(0)].map((c) => c.close()));
  await database.drop();
});

async function tenant(): Promise<TenantScope> {
  const id = TenantScopes.ofRecord(randomUUID());
  await db.$executeRawUnsafe(`INSERT INTO tenants (id, name) VALUES ($1::uuid, 'spec')`, id);
  return id;
}

interface SessionSetup {
  /** Seconds ago it started (null: never started, status created). */
  startedAgo: number | null;
  idleTimeoutS?: number;
  maxDurationS?: number;
  /** Seconds ago a client was last seen. */
  seenAgo?: number;
}

async function session(tenantId: string, setup: SessionSetup): Promise<string> {
  const id = randomUUID();
  await db.$executeRawUnsafe(
    `INSERT INTO sessions (id, tenant_id, provider, avatar_id, quality, status, started_at, idle_timeout_s, max_duration_s, last_active_at)
     VALUES ($1::uuid, $2::uuid, 'local', 'avatar_1', 'medium', $3::session_status,
             now() - make_interval(secs => $4::float8), $5::int, $6::int, now() - make_interval(secs => $7::float8))`,
    id,
    tenantId,
    setup.startedAgo === null ? 'created' : 'active',
    setup.startedAgo,
    setup.idleTimeoutS ?? null,
    setup.maxDurationS ?? null,
    setup.seenAgo ?? null,
  );
  return id;
}

let seq = 0;
/** A task of the session; `endedAgo` null leaves it unfinished. */
async function task(tenantId: string, sessionId: string, status: 'queued' | 'speaking' | 'completed' | 'interrupted', endedAgo: number | null = null): Promise<void> {
  seq += 1;
  await db.$executeRawUnsafe(
    `INSERT INTO speech_tasks (id, tenant_id, session_id, seq, text, status, duration_estimate_ms, ended_at)
     VALUES ($1::uuid, $2::uuid, $3::uuid, $4, 'hello', $5::speech_task_status, 1000, now() - make_interval(secs => $6::float8))`,
    randomUUID(),
    tenantId,
    sessionId,
    seq,
    status,
    endedAgo,
  );
}

/** Last heartbeat `ago` seconds before now, as a worker that then died left it. */
async function lastBeat(ago: number): Promise<void> {
  await db.$executeRawUnsafe(
    `INSERT INTO platform_heartbeat (id, beat_at, grace_ms, idle_timeout_s, max_duration_s)
     VALUES (1, now() - make_interval(secs => $1::float8), $2, $3, $4)`,
    ago,
    SETTINGS.graceMs,
    SETTINGS.idleTimeoutS,
    SETTINGS.maxDurationS,
  );
}

interface Row {
  status: string;
  end_reason: string | null;
  duration_ms: number | null;
  /** ended_at - started_at, in ms, as the database computes it. */
  span_ms: number | null;
  ended_at: Date | null;
  started_at: Date | null;
  provider: string;
  provider_session_id: string | null;
  provider_state: unknown;
  provider_options: unknown;
}

async function row(sessionId: string): Promise<Row> {
  const rows = await db.$queryRawUnsafe<Row[]>(
    `SELECT status::text, end_reason, duration_ms, ended_at, started_at, provider, provider_session_id, provider_state, provider_options,
            round(extract(epoch FROM ended_at - started_at) * 1000)::int AS span_ms
       FROM sessions WHERE id = $1::uuid`,
    sessionId,
  );
  return rows[0];
}

/** Seconds (as ms) between two moments the database recorded. */
async function msBetween(sql: string, ...params: unknown[]): Promise<number> {
  const rows = await db.$queryRawUnsafe<Array<{ ms: number }>>(`SELECT round(extract(epoch FROM (${sql})) * 1000)::int AS ms`, ...params);
  return rows[0].ms;
}

describe('beatAndReap: idle timeout', () => {
  it('ends a session with no task and no client at the moment it became idle + its idle timeout', async () => {
    const t = await tenant();
    const idle = await session(t, { startedAgo: 200, idleTimeoutS: 60 });

    const result = await repo.beatAndReap(SETTINGS);

    expect(result.ended).toEqual([expect.objectContaining({ tenantId: t, sessionId: idle, reason: 'idle_timeout', durationMs: 60_000 })]);
    expect(await row(idle)).toMatchObject({ status: 'stopped', end_reason: 'idle_timeout', duration_ms: 60_000, span_ms: 60_000 });
  });

  it('applies the platform default to a session that asked for none', async () => {
    const t = await tenant();
    const due = await session(t, { startedAgo: 200 });
    const notYet = await session(t, { startedAgo: 100 });

    await repo.beatAndReap(SETTINGS);

    expect(await row(due)).toMatchObject({ status: 'stopped', end_reason: 'idle_timeout', duration_ms: 120_000 });
    expect((await row(notYet)).status).toBe('active');
  });

  it('counts idle time from the end of the last task', async () => {
    const t = await tenant();
    const spoke = await session(t, { startedAgo: 300, idleTimeoutS: 60 });
    await task(t, spoke, 'completed', 250);
    await task(t, spoke, 'interrupted', 100);
    const speakingRecently = await session(t, { startedAgo: 300, idleTimeoutS: 60 });
    await task(t, speakingRecently, 'completed', 30);

    await repo.beatAndReap(SETTINGS);

    expect(await row(spoke)).toMatchObject({ status: 'stopped', end_reason: 'idle_timeout' });
    const lastTaskEndPlus60 = await msBetween(
      `(SELECT max(ended_at) FROM speech_tasks WHERE session_id = $1::uuid) + interval '60 seconds' - (SELECT started_at FROM sessions WHERE id = $1::uuid)`,
      spoke,
    );
    expect(Math.abs(lastTaskEndPlus60 - 260_000)).toBeLessThan(1000); // the set-up: the last task ended 100 s ago
    expect((await row(spoke)).duration_ms).toBe(lastTaskEndPlus60);
    expect((await row(speakingRecently)).status).toBe('active');
  });

  it('never ends a session with a queued or speaking task for idleness', async () => {
    const t = await tenant();
    const queued = await session(t, { startedAgo: 500, idleTimeoutS: 60 });
    await task(t, queued, 'queued');
    const speaking = await session(t, { startedAgo: 500, idleTimeoutS: 60 });
    await task(t, speaking, 'completed', 450);
    await task(t, speaking, 'speaking');

    const result = await repo.beatAndReap(SETTINGS);

    expect(result.ended).toEqual([]);
    expect((await row(queued)).status).toBe('active');
    expect((await row(speaking)).status).toBe('active');
  });

  it('keeps a watched session: idle time counts from the last presence', async () => {
    const t = await tenant();
    const watched = await session(t, { startedAgo: 500, idleTimeoutS: 60, seenAgo: 20 });
    const leftLongAgo = await session(t, { startedAgo: 500, idleTimeoutS: 60, seenAgo: 100 });

    await repo.beatAndReap(SETTINGS);

    expect((await row(watched)).status).toBe('active');
    expect(await row(leftLongAgo)).toMatchObject({ status: 'stopped', end_reason: 'idle_timeout', duration_ms: 460_000 });
  });

  it('recordPresence keeps a session that was about to idle out, matched on tenant and id', async () => {
    const t = await tenant();
    const other = await tenant();
    const seen = await session(t, { startedAgo: 500, idleTimeoutS: 60 });
    const seenUnderAnotherTenant = await session(t, { startedAgo: 500, idleTimeoutS: 60 });

    await expect(
      repo.recordPresence([
        { tenantId: t, sessionId: seen },
        { tenantId: other, sessionId: seenUnderAnotherTenant },
      ]),
    ).resolves.toBe(1);
    await repo.beatAndReap(SETTINGS);

    expect((await row(seen)).status).toBe('active');
    expect((await row(seenUnderAnotherTenant)).status).toBe('stopped');
  });

  it('leaves sessions that never started alone', async () => {
    const t = await tenant();
    const created = await session(t, { startedAgo: null });

    await repo.beatAndReap(SETTINGS);

    expect((await row(created)).status).toBe('created');
  });
});

describe('beatAndReap: sessions created and never started', () => {
  it('ends one created longer ago than its idle timeout (nothing billed), and leaves a recent one', async () => {
    const t = await tenant();
    const stale = await session(t, { startedAgo: null, idleTimeoutS: 60 });
    const recent = await session(t, { startedAgo: null, idleTimeoutS: 60 });
    await db.$executeRawUnsafe(`UPDATE sessions SET created_at = now() - interval '61 seconds' WHERE id = $1::uuid`, stale);

    const result = await repo.beatAndReap(SETTINGS);

    expect(result.ended).toEqual([expect.objectContaining({ tenantId: t, sessionId: stale, reason: 'idle_timeout', durationMs: 0 })]);
    expect(await row(stale)).toMatchObject({ status: 'stopped', end_reason: 'idle_timeout', duration_ms: 0 });
    expect((await row(recent)).status).toBe('created');
    const billed = await db.$queryRawUnsafe<Array<{ billed_seconds: number }>>(`SELECT billed_seconds FROM sessions WHERE id = $1::uuid`, stale);
    expect(billed[0].billed_seconds).toBe(0);
  });
});

describe('beatAndReap: max duration', () => {
  it('ends a busy, watched session at exactly its max duration', async () => {
    const t = await tenant();
    const long = await session(t, { startedAgo: 100, maxDurationS: 30, seenAgo: 1 });
    await task(t, long, 'speaking');

    const result = await repo.beatAndReap(SETTINGS);

    expect(result.ended).toEqual([expect.objectContaining({ sessionId: long, reason: 'max_duration', durationMs: 30_000 })]);
    expect(await row(long)).toMatchObject({ status: 'stopped', end_reason: 'max_duration', duration_ms: 30_000, span_ms: 30_000 });
  });

  it('caps a requested max duration at the platform maximum', async () => {
    const t = await tenant();
    const asked = await session(t, { startedAgo: 100, maxDurationS: 7200, seenAgo: 1 });

    await repo.beatAndReap({ ...SETTINGS, maxDurationS: 50 });

    expect(await row(asked)).toMatchObject({ status: 'stopped', end_reason: 'max_duration', duration_ms: 50_000 });
  });
});

describe('beatAndReap: the platform was down', () => {
  it('ends sessions active across a heartbeat gap at the last beat, not when the reaper came back', async () => {
    const t = await tenant();
    await lastBeat(60);
    const busy = await session(t, { startedAgo: 100, seenAgo: 61 });
    await task(t, busy, 'speaking');
    const idledBeforeTheCrash = await session(t, { startedAgo: 100, idleTimeoutS: 30 });

    const result = await repo.beatAndReap(SETTINGS);

    expect(result.previousBeatAt).not.toBeNull();
    expect(await row(busy)).toMatchObject({ status: 'stopped', end_reason: 'reaped' });
    expect((await row(busy)).duration_ms).toBe(await durationToBeat(result.previousBeatAt!, busy));
    expect((await row(busy)).ended_at).toEqual(result.previousBeatAt);
    // It had idled out before the platform went down: it ends then, as idle.
    expect(await row(idledBeforeTheCrash)).toMatchObject({ status: 'stopped', end_reason: 'idle_timeout', duration_ms: 30_000 });
  });

  it('does not reap after a gap shorter than the grace, and records the beat', async () => {
    const t = await tenant();
    await lastBeat(10);
    const busy = await session(t, { startedAgo: 100 });
    await task(t, busy, 'speaking');

    const result = await repo.beatAndReap(SETTINGS);

    expect(result.ended).toEqual([]);
    expect((await row(busy)).status).toBe('active');
    const [{ beat_at }] = await db.$queryRawUnsafe<Array<{ beat_at: Date }>>(`SELECT beat_at FROM platform_heartbeat WHERE id = 1`);
    expect(beat_at.getTime()).toBeGreaterThan(result.previousBeatAt!.getTime());
  });

  it('after the beat that found the gap, sessions started since are served normally', async () => {
    const t = await tenant();
    await lastBeat(60);
    await repo.beatAndReap(SETTINGS);
    const fresh = await session(t, { startedAgo: 1 });

    const result = await repo.beatAndReap(SETTINGS);

    expect(result.ended).toEqual([]);
    expect((await row(fresh)).status).toBe('active');
  });
});

/** ms from the session's start to the given beat, computed by the database. */
async function durationToBeat(beat: Date, sessionId: string): Promise<number> {
  return msBetween(`$1::timestamptz - (SELECT started_at FROM sessions WHERE id = $2::uuid)`, beat, sessionId);
}

describe('beatAndReap: several workers at once', () => {
  it('ends each due session exactly once when reapers run concurrently', async () => {
    const t = await tenant();
    const due = await Promise.all(Array.from({ length: 30 }, () => session(t, { startedAgo: 200, idleTimeoutS: 60 })));
    const clients = Array.from({ length: 6 }, () => createDatabase(database.url));
    extraConnections.push(...clients);
    await Promise.all(clients.map((c) => c.sql.pool.query('SELECT 1')));

    const results = await Promise.all(clients.map((c) => new SessionsRepository(c.prisma, c.sql).beatAndReap(SETTINGS)));

    const ended = results.flatMap((r) => r.ended.map((e) => e.sessionId));
    expect(ended.sort()).toEqual([...due].sort());
  });
});

describe('stop (the client) uses the same end rules', () => {
  it('bills a live session from start to now, as client_stop', async () => {
    const t = await tenant();
    await repo.beatAndReap(SETTINGS);
    const live = await session(t, { startedAgo: 10 });

    const result = await repo.stop(t, live, 'client_stop');

    expect(result.outcome).toBe('stopped');
    const stopped = await row(live);
    expect(stopped).toMatchObject({ status: 'stopped', end_reason: 'client_stop' });
    expect(stopped.duration_ms).toBe(stopped.span_ms);
    expect(stopped.duration_ms).toBeGreaterThanOrEqual(10_000);
  });

  it('ends a session that was already due at its due moment and reason, whenever the reaper would have run', async () => {
    const t = await tenant();
    await repo.beatAndReap(SETTINGS);
    const idle = await session(t, { startedAgo: 200, idleTimeoutS: 60 });
    const overLimit = await session(t, { startedAgo: 200, maxDurationS: 30, seenAgo: 1 });

    await repo.stop(t, idle, 'client_stop');
    await repo.stop(t, overLimit, 'client_stop');

    expect(await row(idle)).toMatchObject({ end_reason: 'idle_timeout', duration_ms: 60_000, span_ms: 60_000 });
    expect(await row(overLimit)).toMatchObject({ end_reason: 'max_duration', duration_ms: 30_000, span_ms: 30_000 });
  });

  it('does not bill the time the workers have been down', async () => {
    const t = await tenant();
    await lastBeat(60);
    const stranded = await session(t, { startedAgo: 100, seenAgo: 1 });

    await repo.stop(t, stranded, 'client_stop');

    const stopped = await row(stranded);
    expect(stopped.end_reason).toBe('reaped');
    expect(stopped.duration_ms).toBe(await msBetween(`(SELECT beat_at FROM platform_heartbeat) - (SELECT started_at FROM sessions WHERE id = $1::uuid)`, stranded));
  });

  it('only stops the session of the tenant named', async () => {
    const t = await tenant();
    const other = await tenant();
    const live = await session(t, { startedAgo: 10 });

    await expect(repo.stop(other, live, 'client_stop')).resolves.toEqual({ outcome: 'not_found' });
    expect((await row(live)).status).toBe('active');
  });
});

describe('markStarted', () => {
  it('starts a created session once, with the database clock', async () => {
    const t = await tenant();
    const created = await session(t, { startedAgo: null });

    await expect(repo.markStarted(t, created, { provider: 'heygen', providerSessionId: 'vendor-1', providerState: { ws_url: 'wss://x' } })).resolves.toBe(true);
    await expect(repo.markStarted(t, created, { provider: 'local', providerSessionId: 'vendor-2' })).resolves.toBe(false);

    const started = await row(created);
    expect(started.status).toBe('active');
    // The provider that served, what reaches its vendor session, and no vendor options left.
    expect(started.provider).toBe('heygen');
    expect(started.provider_session_id).toBe('vendor-1');
    expect(started.provider_state).toEqual({ ws_url: 'wss://x' });
    expect(started.provider_options).toBeNull();
    expect(await msBetween(`now() - $1::timestamptz`, started.started_at)).toBeGreaterThanOrEqual(0);
  });
});


interface Billed {
  duration_ms: number | null;
  billed_seconds: number | null;
  end_reason: string | null;
}
async function billed(sessionId: string): Promise<Billed> {
  const rows = await db.$queryRawUnsafe<Billed[]>(`SELECT duration_ms, billed_seconds, end_reason FROM sessions WHERE id = $1::uuid`, sessionId);
  return rows[0];
}
async function billing(tenantId: string, rule: Record<string, unknown>): Promise<void> {
  await db.$executeRawUnsafe(`UPDATE tenants SET billing = $2::jsonb WHERE id = $1::uuid`, tenantId, JSON.stringify(rule));
}

describe('billed_seconds: fixed by every ending statement with the tenant’s billing rule', () => {
  it('stop: per second, rounded up; 0 for a session that never started', async () => {
    const t = await tenant();
    await repo.beatAndReap(SETTINGS);
    const live = await session(t, { startedAgo: 10.2 });
    const created = await session(t, { startedAgo: null });

    const result = await repo.stop(t, live, 'client_stop');
    await repo.stop(t, created, 'client_stop');

    const row = await billed(live);
    expect(row.billed_seconds).toBe(Math.ceil(row.duration_ms! / 1000));
    expect(row.billed_seconds).toBeGreaterThanOrEqual(11);
    expect(result).toMatchObject({ outcome: 'stopped', session: { billedSeconds: row.billed_seconds } });
    expect(await billed(created)).toMatchObject({ duration_ms: 0, billed_seconds: 0 });
  });

  it('stop: a minimum charge for a short session, none for one that never started', async () => {
    const t = await tenant();
    await billing(t, { model: 'minimum_then_per_second', minimum_seconds: 60 });
    await repo.beatAndReap(SETTINGS);
    const short = await session(t, { startedAgo: 5 });
    const long = await session(t, { startedAgo: 90.5 });
    const created = await session(t, { startedAgo: null });

    for (const id of [short, long, created]) await repo.stop(t, id, 'client_stop');

    expect((await billed(short)).billed_seconds).toBe(60);
    const longRow = await billed(long);
    expect(longRow.billed_seconds).toBe(Math.ceil(longRow.duration_ms! / 1000));
    expect((await billed(created)).billed_seconds).toBe(0);
  });

  it('beatAndReap: a reaped session is billed with its tenant’s rule, and the result carries it', async () => {
    const perSecond = await tenant();
    const withMinimum = await tenant();
    await billing(withMinimum, { model: 'minimum_then_per_second', minimum_seconds: 300 });
    const a = await session(perSecond, { startedAgo: 200, idleTimeoutS: 60 });
    const b = await session(withMinimum, { startedAgo: 200, idleTimeoutS: 60 });

    const result = await repo.beatAndReap(SETTINGS);

    expect(await billed(a)).toMatchObject({ duration_ms: 60_000, billed_seconds: 60, end_reason: 'idle_timeout' });
    expect(await billed(b)).toMatchObject({ duration_ms: 60_000, billed_seconds: 300 });
    expect(result.ended.map((e) => [e.sessionId, e.durationMs, e.billedSeconds]).sort()).toEqual(
      [
        [a, 60_000, 60],
        [b, 60_000, 300],
      ].sort(),
    );
  });

  it('beatAndReap: a session ending at a sub-second moment is billed the next whole second', async () => {
    const t = await tenant();
    const s = await session(t, { startedAgo: 100, maxDurationS: 30 });
    await db.$executeRawUnsafe(`UPDATE sessions SET started_at = started_at - interval '250 milliseconds' WHERE id = $1::uuid`, s);
    await db.$executeRawUnsafe(`UPDATE sessions SET max_duration_s = NULL, idle_timeout_s = 30, last_active_at = started_at + interval '0.75 seconds' WHERE id = $1::uuid`, s);

    await repo.beatAndReap(SETTINGS);

    expect(await billed(s)).toMatchObject({ duration_ms: 30_750, billed_seconds: 31, end_reason: 'idle_timeout' });
  });
});

describe('stopRunning (quota exhausted)', () => {
  it('ends every active session of the tenant with the reason, billed, and only that tenant’s; not one that never started', async () => {
    const t = await tenant();
    const other = await tenant();
    await repo.beatAndReap(SETTINGS);
    const active = await session(t, { startedAgo: 20 });
    const created = await session(t, { startedAgo: null });
    const theirs = await session(other, { startedAgo: 20 });

    const ended = await repo.stopRunning(t, 'quota_exhausted');

    expect(ended.map((e) => e.sessionId)).toEqual([active]);
    const row = await billed(active);
    expect(row).toMatchObject({ end_reason: 'quota_exhausted', billed_seconds: Math.ceil(row.duration_ms! / 1000) });
    expect(ended.find((e) => e.sessionId === active)).toMatchObject({ tenantId: t, reason: 'quota_exhausted', durationMs: row.duration_ms, billedSeconds: row.billed_seconds });
    expect((await row2(created)).status).toBe('created');
    expect((await row2(theirs)).status).toBe('active');
  });

  it('ends a session that was already due at its due moment and reason (same rules as stop)', async () => {
    const t = await tenant();
    await repo.beatAndReap(SETTINGS);
    const idle = await session(t, { startedAgo: 200, idleTimeoutS: 60 });

    await repo.stopRunning(t, 'quota_exhausted');

    expect(await billed(idle)).toMatchObject({ end_reason: 'idle_timeout', duration_ms: 60_000, billed_seconds: 60 });
  });

  it('ends each session once when several workers run it at the same time', async () => {
    const t = await tenant();
    await repo.beatAndReap(SETTINGS);
    const live = await Promise.all(Array.from({ length: 20 }, () => session(t, { startedAgo: 5 })));
    const clients = Array.from({ length: 4 }, () => createDatabase(database.url));
    extraConnections.push(...clients);

    const results = await Promise.all(clients.map((c) => new SessionsRepository(c.prisma, c.sql).stopRunning(t, 'quota_exhausted')));

    expect(results.flatMap((r) => r.map((e) => e.sessionId)).sort()).toEqual([...live].sort());
  });

  async function row2(sessionId: string) {
    return row(sessionId);
  }
});

describe('stopLive (tenant disabled)', () => {
  it("ends every live session of the tenant, started or not, at one moment, and no other tenant's", async () => {
    const t = await tenant();
    const other = await tenant();
    await repo.beatAndReap(SETTINGS);
    const active = await session(t, { startedAgo: 20 });
    const created = await session(t, { startedAgo: null });
    const theirs = await session(other, { startedAgo: 20 });

    const ended = await repo.stopLive(t, 'tenant_disabled');

    expect(ended.map((e) => e.sessionId).sort()).toEqual([active, created].sort());
    expect(new Set(ended.map((e) => e.endedAt.getTime())).size).toBe(1);
    expect(await billed(active)).toMatchObject({ end_reason: 'tenant_disabled' });
    expect(await billed(created)).toMatchObject({ end_reason: 'tenant_disabled', duration_ms: 0, billed_seconds: 0 });
    expect((await row(theirs)).status).toBe('active');
    expect(await repo.stopLive(t, 'tenant_disabled')).toEqual([]);
  });
});

describe('create: the concurrent-session quota (max_active_sessions)', () => {
  const newSession = () => ({ id: randomUUID(), provider: 'local', avatarId: 'avatar_1', quality: 'medium' });

  it('admits exactly the limit of 10 concurrent creates (created and active sessions count)', async () => {
    const t = await tenant();
    const clients = Array.from({ length: 2 }, () => createDatabase(database.url));
    extraConnections.push(...clients);
    const repos = [repo, ...clients.map((c) => new SessionsRepository(c.prisma, c.sql))];

    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => repos[i % repos.length].create(t, newSession(), { maxLive: 3 })));

    expect(results.filter((r) => r.outcome === 'created')).toHaveLength(3);
    expect(results.filter((r) => r.outcome === 'quota_exceeded')).toEqual(Array(7).fill({ outcome: 'quota_exceeded', limit: 3, current: 3 }));
    const count = await db.session.count({ where: { tenantId: t } });
    expect(count).toBe(3);
  });

  it('counts created and active sessions, not stopped ones, and not another tenant’s', async () => {
    const t = await tenant();
    const other = await tenant();
    await session(t, { startedAgo: 10 });
    const created = await session(t, { startedAgo: null });
    await session(other, { startedAgo: 10 });
    await session(other, { startedAgo: 10 });

    await expect(repo.create(t, newSession(), { maxLive: 2 })).resolves.toMatchObject({ outcome: 'quota_exceeded', current: 2 });
    await repo.stop(t, created, 'client_stop');
    const made = await repo.create(t, newSession(), { maxLive: 2 });

    expect(made).toMatchObject({ outcome: 'created', session: { tenantId: t, status: 'created', provider: 'local' } });
  });

  it('stores what the session asked for', async () => {
    const t = await tenant();
    const data = { ...newSession(), voiceId: 'v1', quality: 'high', idleTimeoutS: 45, maxDurationS: 600 };

    const made = await repo.create(t, data, { maxLive: 20 });

    expect(made).toMatchObject({ outcome: 'created', session: { id: data.id, voiceId: 'v1', quality: 'high', idleTimeoutS: 45, maxDurationS: 600, status: 'created' } });
  });
});

describe('list: filters, order and keyset pages', () => {
  async function at(tenantId: string, createdAt: string, extra: { status?: string; provider?: string } = {}): Promise<string> {
    const id = randomUUID();
    await db.$executeRawUnsafe(
      `INSERT INTO sessions (id, tenant_id, provider, avatar_id, quality, status, created_at) VALUES ($1::uuid, $2::uuid, $3, 'a', 'medium', $4::session_status, $5::timestamptz)`,
      id,
      tenantId,
      extra.provider ?? 'local',
      extra.status ?? 'created',
      createdAt,
    );
    return id;
  }

  it('pages through every session once, newest or oldest first, with ties on created_at broken by id', async () => {
    const t = await tenant();
    const ids = [
      await at(t, '2026-03-01T10:00:00.000Z'),
      await at(t, '2026-03-01T10:00:01.000Z'),
      await at(t, '2026-03-01T10:00:01.000Z'),
      await at(t, '2026-03-01T10:00:01.000Z'),
      await at(t, '2026-03-01T10:00:02.000Z'),
    ];
    const pageThrough = async (order: 'asc' | 'desc') => {
      const seen: string[] = [];
      let after: { createdAt: Date; id: string } | undefined;
      for (;;) {
        const { rows, total } = await repo.list(t, { order, after, limit: 2, offset: 0 });
        expect(total).toBe(5);
        seen.push(...rows.map((r) => r.id));
        if (rows.length < 2) return seen;
        after = { createdAt: rows[1].createdAt, id: rows[1].id };
      }
    };

    const asc = await pageThrough('asc');
    const desc = await pageThrough('desc');

    expect(asc).toHaveLength(5);
    expect(new Set(asc)).toEqual(new Set(ids));
    expect(desc).toEqual([...asc].reverse());
    expect(asc[0]).toBe(ids[0]);
  });

  it('filters by status, provider and creation time [from, to)', async () => {
    const t = await tenant();
    await at(t, '2026-03-01T00:00:00.000Z', { status: 'stopped' });
    const inside = await at(t, '2026-03-02T00:00:00.000Z', { status: 'stopped' });
    await at(t, '2026-03-02T12:00:00.000Z', { status: 'active' });
    await at(t, '2026-03-02T13:00:00.000Z', { status: 'stopped', provider: 'heygen' });
    await at(t, '2026-03-03T00:00:00.000Z', { status: 'stopped' });

    const { rows, total } = await repo.list(t, {
      status: 'stopped',
      provider: 'local',
      from: new Date('2026-03-02T00:00:00Z'),
      to: new Date('2026-03-03T00:00:00Z'),
      order: 'desc',
      limit: 10,
      offset: 0,
    });

    expect(rows.map((r) => r.id)).toEqual([inside]);
    expect(total).toBe(1);
  });
});
