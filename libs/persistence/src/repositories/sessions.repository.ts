import { TenantScope, TenantScopes } from '@avatar/contracts';
import { Inject, Injectable } from '@nestjs/common';
import type { Session } from '../generated/prisma/client';
import { Db, PRISMA_CLIENT } from './prisma-client.token';
import { sql, SQL_CLIENT, SqlClient } from './sql-client';

export type SessionRow = Session;

/** Where streaming.start (or a failover) opened the vendor session. */
export interface StartedOnProvider {
  provider: string;
  providerSessionId: string;
  providerState?: Record<string, string>;
  /** The avatar and voice used there (a failover target may name its own); unchanged when absent. */
  avatarId?: string;
  voiceId?: string;
}

function jsonOrNull(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

export interface NewSession {
  id: string;
  provider: string;
  avatarId: string;
  voiceId?: string;
  quality: string;
  /** Vendor options kept until start (Avaturn's conversation_engine). */
  providerOptions?: unknown;
  /** Seconds; undefined = the platform default (SESSION_IDLE_TIMEOUT_SECONDS). */
  idleTimeoutS?: number;
  /** Seconds; undefined = the platform default; the platform's maximum caps it either way. */
  maxDurationS?: number;
}

/** Why a session ended (sessions.end_reason; the `reason` of its session.stopped event). */
export const END_REASONS = {
  CLIENT_STOP: 'client_stop',
  IDLE_TIMEOUT: 'idle_timeout',
  MAX_DURATION: 'max_duration',
  /** The platform stopped serving it (no heartbeat for longer than the grace). */
  REAPED: 'reaped',
  /** An administrator disabled the tenant. */
  TENANT_DISABLED: 'tenant_disabled',
  /** The tenant's monthly minutes ran out. */
  QUOTA_EXHAUSTED: 'quota_exhausted',
  /** The vendor ended its session by itself and no failover provider took it over. */
  PROVIDER_ENDED: 'provider_ended',
  /** Created and started in one call (the Avaturn-compatible API) and the start failed: never billed. */
  START_FAILED: 'start_failed',
} as const;
export type EndReason = (typeof END_REASONS)[keyof typeof END_REASONS];

/** What the workers' reaper applies (their config), recorded with each heartbeat. */
export interface LifecycleSettings {
  /** A heartbeat gap longer than this means the platform was down. */
  graceMs: number;
  /** Default idle timeout of sessions that did not ask for one. */
  idleTimeoutS: number;
  /** Default and ceiling of a session's max duration. */
  maxDurationS: number;
}

export interface EndedSession {
  tenantId: TenantScope;
  sessionId: string;
  reason: string;
  durationMs: number;
  /** What the tenant's billing rule made of the duration (SQL billed_seconds()). */
  billedSeconds: number;
  endedAt: Date;
}

/** What `create` did: the session, or the tenant's concurrent-session quota refused it. */
export type CreateResult =
  | { outcome: 'created'; session: SessionRow }
  | { outcome: 'quota_exceeded'; limit: number; current: number };

/** Filters, order and page of `list`. */
export interface SessionListQuery {
  status?: SessionRow['status'];
  provider?: string;
  /** created_at ≥ from. */
  from?: Date;
  /** created_at < to. */
  to?: Date;
  /** By created_at (then id): newest first ('desc') or oldest first. */
  order: 'asc' | 'desc';
  /** Keyset: rows after this one in the order (a cursor). */
  after?: { createdAt: Date; id: string };
  limit: number;
  offset: number;
}

export interface BeatResult {
  /** The heartbeat before this one (null the first time): a long gap since it means downtime. */
  previousBeatAt: Date | null;
  /** The database's now() of this beat. */
  beatAt: Date;
  /** Sessions this call ended; no other call ends them again. */
  ended: EndedSession[];
}

/**
 * When an active session is due to end, computed by the database for every row of
 * `sessions s` the caller's WHERE keeps, next to the heartbeat row `hb` (beat_at,
 * grace_ms, idle_timeout_s, max_duration_s; all NULL when no worker ever beat):
 * - idle: not busy (no queued/speaking task) since the latest of started_at, the last
 *   presence (last_active_at) and the end of its last task, for its idle timeout;
 * - max: started_at + its max duration (the platform's maximum caps a request's);
 * - served_until: the last heartbeat, when the heartbeat is older than the grace
 *   (the platform is or was down: time after the last beat is not billed).
 * due_at is the earliest of them (NULL: not due to end ever, for now), and due_reason
 * names it. `prefilter` skips the task look-up for sessions that cannot be due yet.
 */
function dueSessionsSql(where: string, prefilter: boolean): string {
  return `
  limits AS (
    SELECT s.tenant_id, s.id, s.started_at,
           GREATEST(s.started_at, s.last_active_at) AS seen_at,
           make_interval(secs => COALESCE(s.idle_timeout_s, hb.idle_timeout_s)) AS idle,
           s.started_at + make_interval(secs => LEAST(COALESCE(s.max_duration_s, hb.max_duration_s), hb.max_duration_s)) AS max_end,
           CASE WHEN now() - hb.beat_at > make_interval(secs => hb.grace_ms / 1000.0) THEN hb.beat_at END AS served_until
      FROM sessions s LEFT JOIN hb ON true
     WHERE ${where}
  ), candidates AS (
    SELECT * FROM limits
     ${prefilter ? 'WHERE seen_at + idle <= now() OR max_end <= now() OR served_until IS NOT NULL' : ''}
  ), due AS (
    SELECT c.tenant_id, c.id, c.started_at, c.max_end, c.served_until,
           CASE WHEN tk.busy THEN NULL ELSE GREATEST(c.seen_at, tk.last_task_end) + c.idle END AS idle_end
      FROM candidates c
      CROSS JOIN LATERAL (
        SELECT COALESCE(bool_or(t.status IN ('queued', 'speaking')), false) AS busy, max(t.ended_at) AS last_task_end
          FROM speech_tasks t
         WHERE t.tenant_id = c.tenant_id AND t.session_id = c.id) tk
  ), ends AS (
    SELECT d.tenant_id, d.id,
           GREATEST(d.started_at, LEAST(d.idle_end, d.max_end, d.served_until)) AS due_at,
           CASE LEAST(d.idle_end, d.max_end, d.served_until)
             WHEN d.max_end THEN '${END_REASONS.MAX_DURATION}'
             WHEN d.idle_end THEN '${END_REASONS.IDLE_TIMEOUT}'
             ELSE '${END_REASONS.REAPED}' END AS due_reason
      FROM due d
  )`;
}

/** Advisory lock namespace (first key) for "the live sessions of a tenant" (second key: hash of its id). */
const LIVE_SESSIONS_LOCK = 7_001;

/**
 * A session's duration in ms, from its start to `endExpr` (SQL), as the row being
 * updated (`s`) sees it: 0 for a session that never started.
 */
const durationUntil = (endExpr: string) =>
  `CASE WHEN s.started_at IS NULL THEN 0 ELSE GREATEST(0, round(extract(epoch FROM (${endExpr} - s.started_at)) * 1000))::int END`;

/**
 * Ends the live sessions `where` keeps (over `sessions s`, with $1 = tenant id and the
 * reason as parameter `reasonParam`) in one statement, with the database's clock: a
 * session already due to end (dueSessionsSql) ends at that moment with that reason,
 * the others now with the given reason. Duration and billed seconds are fixed with
 * the tenant's billing rule (SQL billed_seconds(), the one place it is applied).
 * Concurrent enders: the UPDATE re-checks `status <> 'stopped'` on the locked row, so
 * exactly one of them ends each session and gets it back.
 */
function endLiveSessionsSql(where: string, reasonParam: string): string {
  const duration = durationUntil('LEAST(now(), f.due_at)');
  return `WITH hb AS (SELECT beat_at, grace_ms, idle_timeout_s, max_duration_s FROM platform_heartbeat WHERE id = 1),
      ${dueSessionsSql(`${where} AND s.status = 'active'`, false)},
      fixed AS (
        SELECT s.tenant_id, s.id, e.due_at, e.due_reason
          FROM sessions s LEFT JOIN ends e ON e.tenant_id = s.tenant_id AND e.id = s.id
         WHERE ${where} AND s.status <> 'stopped'
      )
      UPDATE sessions s
         SET status = 'stopped',
             ended_at = CASE WHEN f.due_at <= now() THEN f.due_at ELSE now() END,
             end_reason = CASE WHEN f.due_at <= now() THEN f.due_reason ELSE ${reasonParam} END,
             duration_ms = ${duration},
             billed_seconds = billed_seconds(${duration}, s.started_at IS NOT NULL, t.billing)
        FROM fixed f JOIN tenants t ON t.id = f.tenant_id
       WHERE s.tenant_id = f.tenant_id AND s.id = f.id AND s.status <> 'stopped'
   RETURNING s.tenant_id::text AS tenant_id, s.id::text AS id, s.end_reason, s.duration_ms, s.billed_seconds, s.ended_at`;
}

type EndedRow = { tenant_id: string; id: string; end_reason: string; duration_ms: number; billed_seconds: number; ended_at: string | Date };
const toEnded = (e: EndedRow): EndedSession => ({
  tenantId: TenantScopes.ofRecord(e.tenant_id),
  sessionId: e.id,
  reason: e.end_reason,
  durationMs: e.duration_ms,
  billedSeconds: e.billed_seconds,
  endedAt: new Date(e.ended_at),
});

export type StopResult =
  | { outcome: 'stopped'; session: SessionRow }
  | { outcome: 'not_found' }
  | { outcome: 'already_stopped'; session: SessionRow };

/**
 * Sessions of one tenant. Every method takes the tenant id first: no unscoped query.
 * The exceptions are the platform's own sweeps (`recordPresence`, `beatAndReap`),
 * which span tenants and name the tenant of every row they touch.
 */
@Injectable()
export class SessionsRepository {
  constructor(
    @Inject(PRISMA_CLIENT) private readonly db: Db,
    @Inject(SQL_CLIENT) private readonly sql: SqlClient,
  ) {}

  /**
   * Records a new session unless the tenant already has `maxLive` sessions created or
   * active. The count and the insert are atomic per tenant: a transaction-scoped
   * advisory lock on the tenant serialises its creates, and the insert is a second
   * statement, so its snapshot (taken after the lock) sees every session a concurrent
   * create committed. (In one statement the snapshot would predate the lock wait.)
   */
  async create(tenantId: TenantScope, data: NewSession, quota: { maxLive: number }): Promise<CreateResult> {
    const [, rows] = await this.db.$transaction([
      this.db.$executeRaw`SELECT pg_advisory_xact_lock(${LIVE_SESSIONS_LOCK}::int, hashtext(${tenantId}::text))`,
      this.db.$queryRaw<Array<{ live: number; id: string | null }>>`
        WITH live AS (
          SELECT count(*)::int AS n FROM sessions WHERE tenant_id = ${tenantId}::uuid AND status IN ('created', 'active')
        ), inserted AS (
          INSERT INTO sessions (id, tenant_id, provider, avatar_id, voice_id, quality, idle_timeout_s, max_duration_s, provider_options)
          SELECT ${data.id}::uuid, ${tenantId}::uuid, ${data.provider}, ${data.avatarId}, ${data.voiceId ?? null}, ${data.quality},
                 ${data.idleTimeoutS ?? null}::int, ${data.maxDurationS ?? null}::int,
                 ${data.providerOptions === undefined ? null : JSON.stringify(data.providerOptions)}::jsonb
            FROM live WHERE live.n < ${quota.maxLive}
          RETURNING id::text
        )
        SELECT live.n AS live, (SELECT id FROM inserted) AS id FROM live`,
    ]);
    const [row] = rows;
    if (!row.id) return { outcome: 'quota_exceeded', limit: quota.maxLive, current: row.live };
    return { outcome: 'created', session: (await this.find(tenantId, row.id))! };
  }

  find(tenantId: TenantScope, sessionId: string): Promise<SessionRow | null> {
    return this.db.session.findFirst({ where: { tenantId, id: sessionId } });
  }

  /**
   * A page of the tenant's sessions, filtered, ordered by (created_at, id), after a
   * keyset position and/or an offset; `total` counts every session the filters match
   * (not the keyset).
   */
  async list(tenantId: TenantScope, query: SessionListQuery): Promise<{ rows: SessionRow[]; total: number }> {
    const where = {
      tenantId,
      ...(query.status ? { status: query.status } : {}),
      ...(query.provider ? { provider: query.provider } : {}),
      ...(query.from || query.to ? { createdAt: { ...(query.from ? { gte: query.from } : {}), ...(query.to ? { lt: query.to } : {}) } } : {}),
    };
    const beyond = query.order === 'desc' ? 'lt' : 'gt';
    const keyset = query.after
      ? { OR: [{ createdAt: { [beyond]: query.after.createdAt } }, { createdAt: query.after.createdAt, id: { [beyond]: query.after.id } }] }
      : {};
    const [rows, total] = await this.db.$transaction([
      this.db.session.findMany({
        where: { AND: [where, keyset] },
        orderBy: [{ createdAt: query.order }, { id: query.order }],
        take: query.limit,
        skip: query.offset,
      }),
      this.db.session.count({ where }),
    ]);
    return { rows, total };
  }

  /** created → active. False when the session is not (or no longer) waiting to start. */
  /**
   * The vendor session is open: the session becomes active on the provider that served
   * it (a failover may have moved it off the one it was created for), its billed time
   * starts, and the vendor options (which may hold secrets) are dropped.
   */
  async markStarted(tenantId: TenantScope, sessionId: string, started: StartedOnProvider): Promise<boolean> {
    // The database's clock, like ended_at: a billed duration never mixes two clocks.
    const count = await this.db.$executeRaw`
      UPDATE sessions SET status = 'active', started_at = now(), provider = ${started.provider},
             avatar_id = COALESCE(${started.avatarId ?? null}, avatar_id), voice_id = COALESCE(${started.voiceId ?? null}, voice_id),
             provider_session_id = ${started.providerSessionId}, provider_state = ${jsonOrNull(started.providerState)}::jsonb, provider_options = NULL
       WHERE tenant_id = ${tenantId}::uuid AND id = ${sessionId}::uuid AND status = 'created'`;
    return count === 1;
  }

  /**
   * Mid-session failover: the session, still active and still on the vendor session
   * that died, moves to a new one (conditional, so two workers reacting to the same
   * loss move it once). Its billed time runs on.
   */
  async switchProvider(tenantId: TenantScope, sessionId: string, lostProviderSessionId: string, next: StartedOnProvider): Promise<boolean> {
    const count = await this.db.$executeRaw`
      UPDATE sessions SET provider = ${next.provider}, provider_session_id = ${next.providerSessionId},
             avatar_id = COALESCE(${next.avatarId ?? null}, avatar_id), voice_id = COALESCE(${next.voiceId ?? null}, voice_id),
             provider_state = ${jsonOrNull(next.providerState)}::jsonb
       WHERE tenant_id = ${tenantId}::uuid AND id = ${sessionId}::uuid AND status = 'active' AND provider_session_id = ${lostProviderSessionId}`;
    return count === 1;
  }

  /**
   * Active sessions on these providers, across tenants (a sweep: the keep-alive of
   * vendors that end idle sessions), longest running first, at most `limit`.
   */
  activeOn(providers: string[], limit: number, skip = 0): Promise<SessionRow[]> {
    // Ordered on a unique key too, so pages do not overlap or skip.
    return this.db.session.findMany({ where: { status: 'active', provider: { in: providers } }, orderBy: [{ startedAt: 'asc' }, { id: 'asc' }], skip, take: limit });
  }

  /**
   * Ends the session and fixes its billed duration in one statement, with the
   * database's clock: started_at to now, or 0 if it never started. A session that was
   * already due to end (idle, max duration, platform down: see dueSessionsSql) ends
   * at that moment and with that reason, whether or not a reaper got to it yet, so
   * its bill does not depend on when the reaper ran. Idempotent: a second stop
   * reports the first one's result.
   */
  async stop(tenantId: TenantScope, sessionId: string, reason: string): Promise<StopResult> {
    const rows = await this.db.$queryRawUnsafe<EndedRow[]>(
      endLiveSessionsSql(`s.tenant_id = $1::uuid AND s.id = $2::uuid`, '$3'),
      tenantId,
      sessionId,
      reason,
    );
    const session = await this.find(tenantId, sessionId);
    if (!session) return { outcome: 'not_found' };
    return rows.length === 1 ? { outcome: 'stopped', session } : { outcome: 'already_stopped', session };
  }

  /**
   * Ends every running (active) session of the tenant, with `reason` (the quota
   * enforcer: quota_exhausted), by the same rules and in the same way as `stop`.
   * Sessions not started yet are left alone: they cost nothing, and starting them is
   * refused at the door. Returns the sessions this call ended; a concurrent call
   * (another worker) ends none of them again.
   */
  stopRunning(tenantId: TenantScope, reason: EndReason): Promise<EndedSession[]> {
    return this.stopAll(`s.tenant_id = $1::uuid AND s.status = 'active'`, tenantId, reason);
  }

  /**
   * Ends every session of the tenant that is not stopped, started or not (an
   * administrator disabled the tenant), like `stopRunning`: all in one statement, so
   * every one is billed up to the same moment.
   */
  stopLive(tenantId: TenantScope, reason: EndReason): Promise<EndedSession[]> {
    return this.stopAll(`s.tenant_id = $1::uuid`, tenantId, reason);
  }

  private async stopAll(where: string, tenantId: TenantScope, reason: EndReason): Promise<EndedSession[]> {
    const rows = await this.db.$queryRawUnsafe<EndedRow[]>(endLiveSessionsSql(where, '$2'), tenantId, reason);
    return rows.sort((a, b) => new Date(a.ended_at).getTime() - new Date(b.ended_at).getTime()).map(toEnded);
  }

  /**
   * A client is watching these sessions (the notifier's presence announcements, any
   * tenants): they are not idle as of now. Each pair is matched on tenant and id.
   * Returns how many active sessions were touched.
   */
  async recordPresence(seen: Array<{ tenantId: TenantScope; sessionId: string }>): Promise<number> {
    if (seen.length === 0) return 0;
    return this.db.$executeRawUnsafe(
      `UPDATE sessions s SET last_active_at = now()
         FROM unnest($1::uuid[], $2::uuid[]) AS p(tenant_id, id)
        WHERE s.tenant_id = p.tenant_id AND s.id = p.id AND s.status = 'active'`,
      seen.map((x) => x.tenantId),
      seen.map((x) => x.sessionId),
    );
  }

  /**
   * One tick of a worker's heartbeat and reaper, in one statement: records the
   * platform heartbeat (with this worker's limits) and ends, across all tenants,
   * every active session that is due (idle, max duration, or active across a
   * heartbeat gap longer than the grace, which ends it at the last beat before the
   * gap). The gap is judged from the beat before this one, read in the same
   * statement. Workers may run it at the same moment: a session is ended by exactly
   * one call (the UPDATE re-checks status = 'active' on the locked row).
   */
  async beatAndReap(settings: LifecycleSettings): Promise<BeatResult> {
    type Row = { previous_beat_at: Date | null; beat_at: Date; ended: EndedRow[] };
    const duration = durationUntil('e.due_at');
    // The planner cannot estimate the prefilter and prices the task look-ups high, so
    // with JIT on (PostgreSQL's default) it spent ~100 ms compiling a statement that
    // runs in ~15 ms at 10,000 live sessions: off for this one transaction.
    const [, rows] = await this.db.$transaction([
      this.db.$executeRawUnsafe(`SET LOCAL jit = off`),
      this.db.$queryRawUnsafe<Row[]>(
      `WITH previous AS (SELECT beat_at FROM platform_heartbeat WHERE id = 1),
      hb AS (SELECT (SELECT beat_at FROM previous) AS beat_at, $1::int AS grace_ms, $2::int AS idle_timeout_s, $3::int AS max_duration_s),
      beat AS (
        INSERT INTO platform_heartbeat (id, beat_at, grace_ms, idle_timeout_s, max_duration_s) VALUES (1, now(), $1, $2, $3)
        ON CONFLICT (id) DO UPDATE
          SET beat_at = GREATEST(platform_heartbeat.beat_at, EXCLUDED.beat_at), grace_ms = EXCLUDED.grace_ms,
              idle_timeout_s = EXCLUDED.idle_timeout_s, max_duration_s = EXCLUDED.max_duration_s
        RETURNING beat_at
      ),
      ${dueSessionsSql(`s.status = 'active' AND s.started_at IS NOT NULL`, true)},
      ended AS (
        UPDATE sessions s
           SET status = 'stopped', ended_at = e.due_at, end_reason = e.due_reason,
               duration_ms = ${duration}, billed_seconds = billed_seconds(${duration}, true, t.billing)
          FROM ends e JOIN tenants t ON t.id = e.tenant_id
         WHERE s.tenant_id = e.tenant_id AND s.id = e.id AND s.status = 'active' AND e.due_at <= now()
     RETURNING s.tenant_id::text AS tenant_id, s.id::text AS id, s.end_reason, s.duration_ms, s.billed_seconds, s.ended_at
      ),
      -- A session created and never started ends after its idle timeout too (nothing
      -- to bill): otherwise it would hold one of the tenant's concurrent-session slots
      -- for ever.
      unstarted AS (
        UPDATE sessions s
           SET status = 'stopped', ended_at = now(), end_reason = '${END_REASONS.IDLE_TIMEOUT}', duration_ms = 0, billed_seconds = 0
         WHERE s.status = 'created' AND s.created_at + make_interval(secs => COALESCE(s.idle_timeout_s, $2::int)) <= now()
     RETURNING s.tenant_id::text AS tenant_id, s.id::text AS id, s.end_reason, s.duration_ms, s.billed_seconds, s.ended_at
      ), all_ended AS (SELECT * FROM ended UNION ALL SELECT * FROM unstarted)
      SELECT (SELECT beat_at FROM previous) AS previous_beat_at, now() AS beat_at,
             (SELECT COALESCE(json_agg(all_ended ORDER BY all_ended.ended_at), '[]'::json) FROM all_ended) AS ended`,
      settings.graceMs,
      settings.idleTimeoutS,
      settings.maxDurationS,
    ),
    ]);
    const row = rows[0];
    return {
      previousBeatAt: row.previous_beat_at,
      beatAt: row.beat_at,
      ended: row.ended.map(toEnded),
    };
  }
}
