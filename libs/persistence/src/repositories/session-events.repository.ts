import type { TenantScope } from '@avatar/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { sql, SQL_CLIENT, SqlClient } from './sql-client';

export interface RecordedEvent {
  streamSeq: number;
  type: string;
  taskId?: string;
  /** A task's terminal event: recording it marks the task announced. */
  ending?: boolean;
  payload: Record<string, unknown>;
  createdAt: Date;
}

/** The events of one session, for a batch write. */
export interface SessionEventGroup {
  tenantId: TenantScope;
  sessionId: string;
  events: RecordedEvent[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One recorded event, as the history API reads it. */
export interface HistoryEvent {
  streamSeq: number;
  type: string;
  taskId: string | null;
  payload: Record<string, unknown>;
  createdAt: Date;
}

/** The session event history (what happened, for dashboards and audits). */
@Injectable()
export class SessionEventsRepository {
  constructor(@Inject(SQL_CLIENT) private readonly sql: SqlClient) {}

  /**
   * The session's recorded events in stream order: the last `limit` of them, and
   * whether earlier ones were left out (a session's history is bounded per answer).
   */
  async listOfSession(tenantId: TenantScope, sessionId: string, limit: number): Promise<{ events: HistoryEvent[]; truncated: boolean }> {
    const rows = await this.sql.rows<{ seq: string; type: string; task_id: string | null; payload: Record<string, unknown>; created_at: Date }>(sql`
      SELECT e.stream_seq::text AS seq, e.type, e.task_id, e.payload, e.created_at FROM session_events e
       WHERE e.tenant_id = ${tenantId}::uuid AND e.session_id = ${sessionId}::uuid
       ORDER BY e.stream_seq DESC LIMIT ${limit + 1}`);
    const events = rows.slice(0, limit).reverse().map((r) => ({ streamSeq: Number(r.seq), type: r.type, taskId: r.task_id, payload: r.payload, createdAt: r.created_at }));
    return { events, truncated: rows.length > limit };
  }

  /** Idempotent on (session, stream sequence): a redelivered event is written once. */
  async append(tenantId: TenantScope, sessionId: string, events: RecordedEvent[]): Promise<void> {
    await this.appendMany([{ tenantId, sessionId, events }]);
  }

  /**
   * The events of several sessions in one statement (the recorder writes what arrived
   * together at once); each row keeps the tenant of its group. Idempotent like `append`.
   * A task's terminal event read back from the stream is the proof that it was
   * announced: the same statement marks its task `announced_at`, so the reconciler
   * leaves it alone and the speaker never spends a statement on it.
   */
  async appendMany(groups: SessionEventGroup[]): Promise<void> {
    const rows = groups.flatMap((g) => g.events.map((e) => ({ tenantId: g.tenantId, sessionId: g.sessionId, e })));
    if (rows.length === 0) return;
    const endings = rows.filter((r) => r.e.ending && r.e.taskId && UUID.test(r.e.taskId));
    await this.sql.count(sql`
      WITH recorded AS (
        INSERT INTO session_events (tenant_id, session_id, stream_seq, type, task_id, payload, created_at)
        SELECT * FROM unnest(
          ${rows.map((r) => r.tenantId)}::uuid[], ${rows.map((r) => r.sessionId)}::uuid[], ${rows.map((r) => String(r.e.streamSeq))}::bigint[],
          ${rows.map((r) => r.e.type)}::text[], ${rows.map((r) => r.e.taskId ?? null)}::text[],
          ${rows.map((r) => JSON.stringify(r.e.payload))}::jsonb[], ${rows.map((r) => r.e.createdAt.toISOString())}::timestamptz[])
        ON CONFLICT (session_id, stream_seq) DO NOTHING
        RETURNING 1
      ), announced AS (
        UPDATE speech_tasks t SET announced_at = now()
          FROM unnest(${endings.map((r) => r.tenantId)}::uuid[], ${endings.map((r) => r.e.taskId!)}::uuid[]) AS e(tenant_id, id)
         WHERE t.tenant_id = e.tenant_id AND t.id = e.id AND t.announced_at IS NULL
        RETURNING 1
      )
      SELECT (SELECT count(*) FROM recorded) AS recorded, (SELECT count(*) FROM announced) AS announced`);
  }
}
