import type { UsageSession } from '@avatar/usage';
import type { TenantScope } from '@avatar/contracts';
import { TenantScopes } from '@avatar/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { sql, SQL_CLIENT, SqlClient, Statement } from './sql-client';

/** A tenant's session time in the current UTC calendar month. */
export interface MonthUsage {
  /** YYYY-MM (UTC), by the database's clock. */
  month: string;
  /** Milliseconds of session time in the month: stopped sessions and running ones up to now. */
  usedMs: number;
}

/** Where a tenant with a monthly budget stands (the quota enforcer's sweep). */
export interface MonthStanding extends MonthUsage {
  tenantId: TenantScope;
  budgetMs: number;
  /** Sessions running (active) now. */
  running: number;
}


/**
 * The UTC calendar month of the database's now(), as `m(start, end, month)`. Month
 * arithmetic on timestamps without time zone, so the session's TimeZone setting cannot
 * move a boundary.
 */
const MONTH = sql`SELECT date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS start,
                         (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC' AS "end",
                         to_char(date_trunc('month', now() AT TIME ZONE 'UTC'), 'YYYY-MM') AS month`;

/**
 * Milliseconds of `sessions s` inside month `m`: every session that started, from its
 * start to its end (start + duration_ms; now() while it runs), clipped to the month.
 * The same clipping as the usage report's split (libs/usage), in SQL.
 */
const USED_MS_IN_MONTH = sql`
  COALESCE(round(sum(GREATEST(0, extract(epoch FROM (
    LEAST(CASE WHEN s.status = 'stopped' THEN s.started_at + s.duration_ms * interval '1 millisecond' ELSE now() END, m."end")
    - GREATEST(s.started_at, m.start))) * 1000))), 0)::bigint`;
const IN_MONTH = sql`s.started_at IS NOT NULL AND s.started_at < m."end" AND (s.status <> 'stopped' OR s.ended_at > m.start)`;

/**
 * Usage figures for quotas and reports. Reads only; the figures come from what the
 * ending statements fixed (duration_ms, billed_seconds, spoken_ms).
 */
@Injectable()
export class UsageRepository {
  constructor(@Inject(SQL_CLIENT) private readonly sql: SqlClient) {}

  /** The tenant's session time this UTC month (the monthly-minutes quota). */
  async monthUsage(tenantId: TenantScope): Promise<MonthUsage> {
    const [row] = await this.sql.rows<{ month: string; used_ms: string }>(sql`
      WITH m AS (${MONTH})
      SELECT m.month, (SELECT ${USED_MS_IN_MONTH} FROM sessions s WHERE s.tenant_id = ${tenantId}::uuid AND ${IN_MONTH}) AS used_ms
        FROM m`);
    return { month: row.month, usedMs: Number(row.used_ms) };
  }

  /**
   * Tenants whose stored quotas name a monthly budget, or every active tenant when
   * `everyTenant` (the platform default is a budget): their raw quotas, for the caller
   * to read with the contracts' effective settings.
   */
  async tenantsWithBudget(everyTenant: boolean): Promise<Array<{ tenantId: TenantScope; quotas: unknown }>> {
    const rows = await this.sql.rows<{ id: string; quotas: unknown }>(sql`
      SELECT id::text AS id, quotas FROM tenants
       WHERE status = 'active' AND (${everyTenant}::boolean OR quotas ? 'monthly_minutes')`);
    return rows.map((r) => ({ tenantId: TenantScopes.ofRecord(r.id), quotas: r.quotas }));
  }

  /** This month's usage and running sessions of each tenant named, against its budget (one statement). */
  async monthStandings(budgets: Array<{ tenantId: TenantScope; budgetMs: number }>): Promise<MonthStanding[]> {
    if (budgets.length === 0) return [];
    const rows = await this.sql.rows<{ tenant_id: string; budget_ms: string; month: string; used_ms: string; running: number }>(sql`
      WITH m AS (${MONTH})
      SELECT b.tenant_id::text AS tenant_id, b.budget_ms::text AS budget_ms, m.month,
             (SELECT ${USED_MS_IN_MONTH} FROM sessions s WHERE s.tenant_id = b.tenant_id AND ${IN_MONTH})::text AS used_ms,
             (SELECT count(*)::int FROM sessions s WHERE s.tenant_id = b.tenant_id AND s.status = 'active') AS running
        FROM unnest(${budgets.map((b) => b.tenantId)}::uuid[], ${budgets.map((b) => String(b.budgetMs))}::bigint[]) AS b(tenant_id, budget_ms)
        CROSS JOIN m`);
    return rows.map((r) => ({ tenantId: TenantScopes.ofRecord(r.tenant_id), month: r.month, usedMs: Number(r.used_ms), budgetMs: Number(r.budget_ms), running: r.running }));
  }

  /** The database's clock: a report counts running sessions up to this moment. */
  async now(): Promise<Date> {
    const [row] = await this.sql.rows<{ now: Date }>(sql`SELECT now() AS now`);
    return row.now;
  }

  /**
   * The tenant's sessions that started and have time in [from, to) (or end exactly
   * at `from`, which the report's split then leaves out), in start order, a page at a
   * time: a report over a year reads them without holding them all.
   */
  async *sessionsOverlapping(tenantId: TenantScope, from: Date, to: Date, pageSize = 2000): AsyncGenerator<UsageSession[]> {
    let after: { startedAt: Date; id: string } | null = null;
    for (;;) {
      const keyset: Statement = after ? sql`AND (s.started_at, s.id) > (${after.startedAt.toISOString()}::timestamptz, ${after.id}::uuid)` : sql``;
      const rows: Array<{
        id: string;
        provider: string;
        avatar_id: string;
        started_at: Date;
        duration_ms: number | null;
        billed_seconds: number | null;
        stopped: boolean;
        tasks: Array<[number, number]>;
      }> = await this.sql.rows(sql`
        SELECT s.id::text AS id, s.provider, s.avatar_id, s.started_at, s.duration_ms, s.billed_seconds, s.status = 'stopped' AS stopped,
               COALESCE((SELECT json_agg(json_build_array((extract(epoch FROM t.started_at) * 1000)::bigint, t.spoken_ms))
                           FROM speech_tasks t
                          WHERE t.tenant_id = s.tenant_id AND t.session_id = s.id AND t.spoken_ms > 0 AND t.started_at IS NOT NULL), '[]'::json) AS tasks
          FROM sessions s
         WHERE s.tenant_id = ${tenantId}::uuid AND s.started_at IS NOT NULL AND s.started_at < ${to.toISOString()}::timestamptz
           AND (s.status <> 'stopped' OR s.ended_at >= ${from.toISOString()}::timestamptz)
           ${keyset}
         ORDER BY s.started_at, s.id
         LIMIT ${pageSize}`);
      if (rows.length === 0) return;
      yield rows.map((r) => ({
        id: r.id,
        provider: r.provider,
        avatarId: r.avatar_id,
        startMs: r.started_at.getTime(),
        durationMs: r.stopped ? r.duration_ms : null,
        billedSeconds: r.stopped ? r.billed_seconds : null,
        tasks: r.tasks.map(([start, spoken]) => ({ startMs: Number(start), endMs: Number(start) + spoken })),
      }));
      if (rows.length < pageSize) return;
      const last = rows[rows.length - 1];
      after = { startedAt: last.started_at, id: last.id };
    }
  }
}
