import type { TenantScope } from '@avatar/contracts';
import { Inject, Injectable } from '@nestjs/common';
import type { SessionStatus, SpeechTask } from '../generated/prisma/client';
import { Db, PRISMA_CLIENT } from './prisma-client.token';
import { sql, SQL_CLIENT, SqlClient, Statement } from './sql-client';

export type SpeechTaskRow = SpeechTask;

export interface NewSpeechTask {
  id: string;
  /** What to say; empty for an audio task. */
  text: string;
  voiceId?: string;
  voiceSettings?: Record<string, unknown>;
  durationEstimateMs: number;
  traceparent?: string;
  /** Audio the client committed (PCM s16le mono): an audio task, spoken as given. */
  audio?: TaskAudio;
  /** The chat reply this task is a sentence of. */
  chatMessageId?: string;
}

/** An audio task's audio: PCM signed 16-bit little-endian mono. */
export interface TaskAudio {
  pcm: Buffer;
  sampleRate: number;
}

export interface EnqueueConditions {
  /** The tenant's max_queued_tasks_per_session. */
  maxPending: number;
  /**
   * Queue only while the session's interrupt count is still this (a chat reply's
   * sentences): an interrupt that came meanwhile refuses the task ('interrupted').
   */
  interruptSeq?: number;
}

/** What the gateway needs back from an accepted speak. */
export interface QueuedTask {
  id: string;
  sessionId: string;
  seq: number;
}

export type EnqueueResult =
  | { outcome: 'queued'; task: QueuedTask }
  | { outcome: 'session_not_found' }
  | { outcome: 'session_not_active'; status: string }
  /** The session already has `limit` tasks queued or speaking (the tenant's max_queued_tasks_per_session). */
  | { outcome: 'quota_exceeded'; limit: number; current: number }
  /** The session was interrupted since the caller's `interruptSeq`. */
  | { outcome: 'interrupted' };

/** A task this worker may now speak, with what it needs of its session. */
export interface ClaimedTask {
  id: string;
  sessionId: string;
  seq: number;
  /** text, or audio (fetch it with `audioOf`). */
  kind: 'text' | 'audio';
  text: string;
  voiceId: string | null;
  voiceSettings: unknown;
  durationEstimateMs: number;
  /** 1 on the first try; more when the task is retried or taken over from a dead worker. */
  attempt: number;
  /** Frame ids of this attempt start after this one (reserved on the session). */
  frameBase: number;
  provider: string;
  providerSessionId: string | null;
  /** What reaches the vendor session from another worker (ProviderSessionState). */
  providerState: Record<string, string> | null;
  avatarId: string;
  sessionVoiceId: string | null;
  quality: string;
}

/** Why a task could not be claimed. */
export type ClaimRefusal =
  | { reason: 'gone' }
  | { reason: 'ended'; status: 'completed' | 'interrupted' | 'failed'; announced: boolean; error: string | null; spokenSeconds: number }
  | { reason: 'interrupt_requested' }
  | { reason: 'session_stopped' }
  | { reason: 'wait' };

export interface InterruptedTask {
  id: string;
  /** What the task was doing: queued ones are ended at once, speaking ones are asked to stop. */
  previous: 'queued' | 'speaking';
}

/** What `interruptActive` did: the session's status, and the tasks it interrupted (none unless active). */
export interface SessionInterrupt {
  sessionStatus: SessionStatus | null;
  interrupted: InterruptedTask[];
}

/** A task the reconciler must act on, with its scope (the sweep spans tenants). */
export interface TaskRef {
  tenantId: TenantScope;
  sessionId: string;
  id: string;
  seq: number;
  status: string;
  error: string | null;
  durationEstimateMs: number;
  traceparent: string | null;
  /** Seconds from start to end, for a task that ended. */
  spokenSeconds: number;
}

/** A task this call ended, and the task waiting after it in its session (whose turn it now is). */
export interface EndedTask {
  nextTaskId: string | null;
}

const TERMINAL = ['completed', 'interrupted', 'failed'] as const;
/** Seconds a task took from start to end (0 if it never started): its spoken_ms once fixed. */
const SPOKEN_SECONDS = sql`COALESCE(t.spoken_ms / 1000.0, extract(epoch FROM (t.ended_at - t.started_at)), 0)::float8`;

/**
 * spoken_ms of a task ending now, written next to `ended_at = now()`: how long its
 * last attempt spoke, from its start to now, for a task that is speaking; 0 for one
 * that ends while queued (never started, or handed back to the queue: that attempt
 * did not finish speaking). `status` here is the value before the update.
 */
const SPOKEN_MS_NOW = sql`CASE WHEN status = 'speaking' AND started_at IS NOT NULL
                          THEN GREATEST(0, round(extract(epoch FROM (now() - started_at)) * 1000))::int ELSE 0 END`;

/**
 * Ends a task with `set` when `guard` holds, and in the same statement finds the task
 * waiting after it in its session: the successor is woken (or `status idle` sent)
 * without another round trip.
 */
const endTask = (tenantId: TenantScope, taskId: string, set: Statement, guard: Statement) => sql`
  WITH ended AS (
    UPDATE speech_tasks SET ${set}, ended_at = now(), spoken_ms = ${SPOKEN_MS_NOW}
     WHERE tenant_id = ${tenantId}::uuid AND id = ${taskId}::uuid AND ${guard}
 RETURNING session_id, seq
  )
  SELECT (SELECT n.id::text FROM speech_tasks n
           WHERE n.tenant_id = ${tenantId}::uuid AND n.session_id = ended.session_id AND n.seq > ended.seq AND n.status = 'queued'
           ORDER BY n.seq LIMIT 1) AS next_task_id
    FROM ended`;

/**
 * Speech tasks. Every tenant-facing method takes the tenant id first. The hot path
 * is one statement per step (enqueue, claim, end), in raw SQL on pg (SqlClient):
 * Prisma's interactive transactions cost several round trips each, and its raw
 * queries a compile step each.
 */
@Injectable()
export class SpeechTasksRepository {
  constructor(
    @Inject(PRISMA_CLIENT) private readonly db: Db,
    @Inject(SQL_CLIENT) private readonly sql: SqlClient,
  ) {}

  /**
   * Appends a task to its session's speaking order in one statement: the sequence
   * number comes from the session row (the UPDATE locks it), so concurrent speaks
   * get distinct, gap-free positions, and a session that is not active gets nothing.
   *
   * The same statement refuses a task when the session already has `maxPending` tasks
   * queued or speaking, atomically: a speak that waited for the session row lock
   * does not see the tasks the speaks before it committed meanwhile (its snapshot is
   * older), but PostgreSQL re-checks the WHERE on the latest session row, whose
   * task_seq grew by one for each of them. So pending = the pending tasks this
   * snapshot sees + (task_seq now − task_seq in this snapshot). A task that ended
   * meanwhile still counts (the check errs on refusing, never on admitting).
   */
  async enqueue(tenantId: TenantScope, sessionId: string, task: NewSpeechTask, conditions: EnqueueConditions): Promise<EnqueueResult> {
    const queued = await this.tryEnqueue(tenantId, sessionId, task, conditions);
    if (queued) return queued;
    // Refused: say why, from a fresh look (off the hot path). An active session with
    // room again (a task ended, or it became active meanwhile) gets one more try.
    for (let attempt = 0; ; attempt++) {
      const [state] = await this.sql.rows<{ status: string; pending: number; interrupt_seq: number }>(sql`
        SELECT s.status::text AS status, s.interrupt_seq,
               (SELECT count(*)::int FROM speech_tasks t
                 WHERE t.tenant_id = s.tenant_id AND t.session_id = s.id AND t.status IN ('queued', 'speaking')) AS pending
          FROM sessions s WHERE s.tenant_id = ${tenantId}::uuid AND s.id = ${sessionId}::uuid`);
      if (!state) return { outcome: 'session_not_found' };
      if (state.status !== 'active') return { outcome: 'session_not_active', status: state.status };
      if (conditions.interruptSeq !== undefined && state.interrupt_seq !== conditions.interruptSeq) return { outcome: 'interrupted' };
      if (state.pending >= conditions.maxPending || attempt > 0) return { outcome: 'quota_exceeded', limit: conditions.maxPending, current: state.pending };
      const retried = await this.tryEnqueue(tenantId, sessionId, task, conditions);
      if (retried) return retried;
    }
  }

  private async tryEnqueue(tenantId: TenantScope, sessionId: string, task: NewSpeechTask, conditions: EnqueueConditions): Promise<EnqueueResult | null> {
    const { maxPending, interruptSeq } = conditions;
    const settings = task.voiceSettings === undefined ? null : JSON.stringify(task.voiceSettings);
    const kind = task.audio ? 'audio' : 'text';
    // The audio goes in with its task, in the same statement (no task without its audio).
    const rows = await this.sql.rows<{ seq: number }>(sql`
      WITH next AS (
        UPDATE sessions s SET task_seq = s.task_seq + 1
         WHERE s.tenant_id = ${tenantId}::uuid AND s.id = ${sessionId}::uuid AND s.status = 'active'
           AND (${interruptSeq ?? null}::int IS NULL OR s.interrupt_seq = ${interruptSeq ?? null}::int)
           AND (SELECT count(*) FROM speech_tasks t
                 WHERE t.tenant_id = ${tenantId}::uuid AND t.session_id = ${sessionId}::uuid AND t.status IN ('queued', 'speaking'))
               + (s.task_seq - (SELECT v.task_seq FROM sessions v WHERE v.tenant_id = ${tenantId}::uuid AND v.id = ${sessionId}::uuid))
               < ${maxPending}
     RETURNING s.task_seq
      ), task AS (
        INSERT INTO speech_tasks (id, tenant_id, session_id, seq, text, voice_id, voice_settings, duration_estimate_ms, traceparent, kind, chat_message_id)
        SELECT ${task.id}::uuid, ${tenantId}::uuid, ${sessionId}::uuid, next.task_seq, ${task.text}, ${task.voiceId ?? null},
               ${settings}::jsonb, ${task.durationEstimateMs}, ${task.traceparent ?? null}, ${kind}, ${task.chatMessageId ?? null}::uuid
          FROM next
     RETURNING id, seq
      ), audio AS (
        INSERT INTO speech_task_audio (task_id, tenant_id, sample_rate, pcm)
        SELECT task.id, ${tenantId}::uuid, ${task.audio?.sampleRate ?? 0}, ${task.audio?.pcm ?? null}::bytea
          FROM task WHERE ${kind} = 'audio'
      )
      SELECT seq FROM task`);
    return rows.length === 1 ? { outcome: 'queued', task: { id: task.id, sessionId, seq: rows[0].seq } } : null;
  }

  find(tenantId: TenantScope, taskId: string): Promise<SpeechTaskRow | null> {
    return this.db.speechTask.findFirst({ where: { tenantId, id: taskId } });
  }

  /**
   * The session's tasks in speaking order, for its history: the last `limit` of them
   * (a long conversation keeps its end), and whether earlier ones were left out.
   */
  async listOfSession(tenantId: TenantScope, sessionId: string, limit: number): Promise<{ tasks: SpeechTaskRow[]; truncated: boolean }> {
    const newest = await this.db.speechTask.findMany({ where: { tenantId, sessionId }, orderBy: { seq: 'desc' }, take: limit + 1 });
    return { tasks: newest.slice(0, limit).reverse(), truncated: newest.length > limit };
  }

  /** Removes a task whose job could not be queued: the speak request failed as a whole. */
  async discard(tenantId: TenantScope, taskId: string): Promise<void> {
    await this.db.speechTask.deleteMany({ where: { tenantId, id: taskId, status: 'queued' } });
  }

  /**
   * queued → speaking, in one statement, when it is the task's turn: its session is
   * active, no interrupt is pending on it, and no earlier task of the session is
   * queued or still speaking (an interrupted speaker counts until it has stopped).
   * Also takes a task left `speaking` by a worker that died: the caller holds the
   * task's job lock, so nobody else is speaking it. Reserves `frameReserve` frame ids
   * on the session for this attempt. Null when it cannot be claimed: ask `whyNot`.
   */
  async claim(tenantId: TenantScope, taskId: string, frameReserve: number): Promise<ClaimedTask | null> {
    const rows = await this.sql.rows<Omit<ClaimedTask, 'frameBase'> & { frameBase: string }>(sql`
      WITH target AS (
        SELECT t.id, t.session_id FROM speech_tasks t
          JOIN sessions s ON s.id = t.session_id
         WHERE t.tenant_id = ${tenantId}::uuid AND t.id = ${taskId}::uuid
           AND t.status IN ('queued', 'speaking') AND t.interrupt_requested_at IS NULL
           AND s.status = 'active'
           AND NOT EXISTS (
             SELECT 1 FROM speech_tasks p
              WHERE p.tenant_id = t.tenant_id AND p.session_id = t.session_id AND p.seq < t.seq
                AND p.status IN ('queued', 'speaking'))
           FOR UPDATE OF t
      ), frames AS (
        UPDATE sessions s SET frame_seq = s.frame_seq + ${frameReserve}
          FROM target WHERE s.id = target.session_id
     RETURNING s.id, s.frame_seq - ${frameReserve} AS frame_base, s.provider, s.provider_session_id, s.provider_state, s.avatar_id, s.voice_id, s.quality
      )
      UPDATE speech_tasks t
         SET status = 'speaking', started_at = now(), attempts = t.attempts + 1
        FROM target, frames
       WHERE t.id = target.id AND frames.id = target.session_id
   RETURNING t.id::text AS "id", t.session_id::text AS "sessionId", t.seq, t.kind, t.text, t.voice_id AS "voiceId",
             t.voice_settings AS "voiceSettings", t.duration_estimate_ms AS "durationEstimateMs", t.attempts AS "attempt",
             frames.frame_base AS "frameBase", frames.provider, frames.provider_session_id AS "providerSessionId",
             frames.provider_state AS "providerState", frames.avatar_id AS "avatarId", frames.voice_id AS "sessionVoiceId", frames.quality`);
    if (rows.length === 0) return null;
    return { ...rows[0], frameBase: Number(rows[0].frameBase) };
  }

  /** The audio of an audio task (null for a text task, or one of another tenant). */
  async audioOf(tenantId: TenantScope, taskId: string): Promise<TaskAudio | null> {
    const rows = await this.sql.rows<{ sample_rate: number; pcm: Buffer }>(sql`
      SELECT sample_rate, pcm FROM speech_task_audio WHERE tenant_id = ${tenantId}::uuid AND task_id = ${taskId}::uuid`);
    return rows[0] ? { sampleRate: rows[0].sample_rate, pcm: rows[0].pcm } : null;
  }

  /** Why `claim` refused the task (one read, off the hot path). */
  async whyNot(tenantId: TenantScope, taskId: string): Promise<ClaimRefusal> {
    const rows = await this.sql.rows<{
      status: string;
      announced: boolean;
      error: string | null;
      spoken_seconds: number;
      interrupt_requested: boolean;
      session_status: string;
    }>(sql`
      SELECT t.status::text, t.announced_at IS NOT NULL AS announced, t.error, ${SPOKEN_SECONDS} AS spoken_seconds,
             t.interrupt_requested_at IS NOT NULL AS interrupt_requested, s.status::text AS session_status
        FROM speech_tasks t JOIN sessions s ON s.id = t.session_id
       WHERE t.tenant_id = ${tenantId}::uuid AND t.id = ${taskId}::uuid`);
    const row = rows[0];
    if (!row) return { reason: 'gone' };
    if ((TERMINAL as readonly string[]).includes(row.status)) {
      return { reason: 'ended', status: row.status as (typeof TERMINAL)[number], announced: row.announced, error: row.error, spokenSeconds: Number(row.spoken_seconds) };
    }
    if (row.interrupt_requested) return { reason: 'interrupt_requested' };
    if (row.session_status !== 'active') return { reason: 'session_stopped' };
    return { reason: 'wait' };
  }

  /**
   * speaking → completed. Null when an interrupt got there first (requested or
   * done): the caller ends the task as interrupted instead.
   */
  async finish(tenantId: TenantScope, taskId: string): Promise<EndedTask | null> {
    return this.ended(endTask(tenantId, taskId, sql`status = 'completed'`, sql`status = 'speaking' AND interrupt_requested_at IS NULL`));
  }

  /** queued/speaking → interrupted, once the speaker (if any) has stopped. Null when it had already ended. */
  async endInterrupted(tenantId: TenantScope, taskId: string): Promise<EndedTask | null> {
    return this.ended(endTask(tenantId, taskId, sql`status = 'interrupted'`, sql`status IN ('queued', 'speaking')`));
  }

  /** A task that fails for good, speaking or not (its retries ran out). Null when it had ended or an interrupt is pending. */
  async fail(tenantId: TenantScope, taskId: string, error: string): Promise<EndedTask | null> {
    return this.ended(
      endTask(tenantId, taskId, sql`status = 'failed', error = ${error}`, sql`status IN ('queued', 'speaking') AND interrupt_requested_at IS NULL`),
    );
  }

  private async ended(statement: Statement): Promise<EndedTask | null> {
    const rows = await this.sql.rows<{ next_task_id: string | null }>(statement);
    return rows.length === 1 ? { nextTaskId: rows[0].next_task_id } : null;
  }

  /**
   * speaking → queued, to be spoken again: after a transient failure, or handed back
   * by a worker that is shutting down. False when an interrupt is pending or done.
   */
  async release(tenantId: TenantScope, taskId: string, error: string | null): Promise<boolean> {
    const count = await this.sql.count(sql`
      UPDATE speech_tasks SET status = 'queued', error = ${error}
       WHERE tenant_id = ${tenantId}::uuid AND id = ${taskId}::uuid AND status = 'speaking' AND interrupt_requested_at IS NULL`);
    return count === 1;
  }

  /**
   * Interrupts the session in one statement, whatever its state (a stop interrupts
   * the tasks of a session it has just stopped): queued tasks end `interrupted` now;
   * the speaking one is marked (interrupt requested) and ends when its speaker stops,
   * so the next task cannot start while it still emits frames. In speaking order.
   */
  async interruptPending(tenantId: TenantScope, sessionId: string): Promise<InterruptedTask[]> {
    return (await this.interrupt(tenantId, sessionId, false)).interrupted;
  }

  /**
   * `streaming.interrupt`: the same statement, acting only if the session is active;
   * it answers the session's status too (null: the tenant has no such session).
   */
  async interruptActive(tenantId: TenantScope, sessionId: string): Promise<SessionInterrupt> {
    return this.interrupt(tenantId, sessionId, true);
  }

  private async interrupt(tenantId: TenantScope, sessionId: string, onlyActive: boolean): Promise<SessionInterrupt> {
    const rows = await this.sql.rows<{ session_status: SessionInterrupt['sessionStatus']; id: string | null; previous: InterruptedTask['previous'] | null }>(sql`
      WITH session AS (
        SELECT status::text AS status FROM sessions WHERE tenant_id = ${tenantId}::uuid AND id = ${sessionId}::uuid
      ), bump AS (
        -- A chat reply streaming now queues no more sentences (EnqueueConditions.interruptSeq).
        UPDATE sessions SET interrupt_seq = interrupt_seq + 1
         WHERE tenant_id = ${tenantId}::uuid AND id = ${sessionId}::uuid AND (NOT ${onlyActive}::boolean OR status = 'active')
      ), pending AS (
        SELECT id, status, seq FROM speech_tasks
         WHERE tenant_id = ${tenantId}::uuid AND session_id = ${sessionId}::uuid AND status IN ('queued', 'speaking')
           AND (NOT ${onlyActive}::boolean OR EXISTS (SELECT 1 FROM session WHERE status = 'active'))
           FOR UPDATE
      ), queued AS (
        UPDATE speech_tasks t SET status = 'interrupted', ended_at = now(), spoken_ms = 0
          FROM pending WHERE t.id = pending.id AND pending.status = 'queued'
     RETURNING t.id, pending.seq
      ), speaking AS (
        UPDATE speech_tasks t SET interrupt_requested_at = COALESCE(t.interrupt_requested_at, now())
          FROM pending WHERE t.id = pending.id AND pending.status = 'speaking'
     RETURNING t.id, pending.seq
      )
      SELECT session.status AS session_status, ended.id::text AS id, ended.previous
        FROM session LEFT JOIN (
          SELECT id, seq, 'queued' AS previous FROM queued
          UNION ALL
          SELECT id, seq, 'speaking' AS previous FROM speaking
        ) ended ON true
       ORDER BY ended.seq`);
    return {
      sessionStatus: rows[0]?.session_status ?? null,
      interrupted: rows.filter((r) => r.id !== null).map((r) => ({ id: r.id!, previous: r.previous! })),
    };
  }

  /** Whether a task of the session is still being spoken (an interrupted one counts until its speaker stopped). */
  async isSpeaking(tenantId: TenantScope, sessionId: string): Promise<boolean> {
    const rows = await this.sql.rows<{ speaking: boolean }>(sql`
      SELECT EXISTS (SELECT 1 FROM speech_tasks
                      WHERE tenant_id = ${tenantId}::uuid AND session_id = ${sessionId}::uuid AND status = 'speaking') AS speaking`);
    return rows[0]?.speaking ?? false;
  }

  /** The next task waiting in the session after `seq`, if any. */
  async nextQueued(tenantId: TenantScope, sessionId: string, afterSeq: number): Promise<{ id: string } | null> {
    const rows = await this.sql.rows<{ id: string }>(sql`
      SELECT id::text AS id FROM speech_tasks
       WHERE tenant_id = ${tenantId}::uuid AND session_id = ${sessionId}::uuid AND seq > ${afterSeq} AND status = 'queued'
       ORDER BY seq LIMIT 1`);
    return rows[0] ?? null;
  }

  /**
   * Of the tasks this worker is speaking (ids it holds the job locks of), those that
   * must stop: an interrupt was requested, or they ended elsewhere. The speaker's
   * safety net when a halt broadcast is lost. Not tenant-scoped: the ids are the
   * worker's own.
   */
  async mustStop(taskIds: string[]): Promise<string[]> {
    if (taskIds.length === 0) return [];
    const rows = await this.sql.rows<{ id: string }>(sql`
      SELECT id::text AS id FROM speech_tasks
       WHERE id = ANY(${taskIds}::uuid[]) AND (interrupt_requested_at IS NOT NULL OR status <> 'speaking')`);
    return rows.map((r) => r.id);
  }

  /**
   * The reconciler's sweep over every tenant (the one place a query spans tenants;
   * each row carries its tenant, and what is done with it is scoped again):
   * - queued tasks at the head of their session's line for longer than `staleMs`
   *   (a job that was never queued, or a successor nobody woke);
   * - tasks that ended more than `staleMs` ago without their terminal event.
   */
  async stale(staleMs: number, limit: number): Promise<{ heads: TaskRef[]; unannounced: TaskRef[] }> {
    const seconds = staleMs / 1000;
    const heads = await this.sql.rows<TaskRef>(sql`
      SELECT t.tenant_id::text AS "tenantId", t.session_id::text AS "sessionId", t.id::text AS id, t.seq, t.status::text AS status, t.error,
             t.duration_estimate_ms AS "durationEstimateMs", t.traceparent, 0::float8 AS "spokenSeconds"
        FROM speech_tasks t
       WHERE t.status = 'queued' AND t.created_at < now() - make_interval(secs => ${seconds}::double precision)
         AND NOT EXISTS (
           SELECT 1 FROM speech_tasks p
            WHERE p.tenant_id = t.tenant_id AND p.session_id = t.session_id AND p.seq < t.seq
              AND p.status IN ('queued', 'speaking'))
       ORDER BY t.created_at LIMIT ${limit}`);
    const unannounced = await this.sql.rows<TaskRef>(sql`
      SELECT t.tenant_id::text AS "tenantId", t.session_id::text AS "sessionId", t.id::text AS id, t.seq, t.status::text AS status, t.error,
             t.duration_estimate_ms AS "durationEstimateMs", t.traceparent, ${SPOKEN_SECONDS} AS "spokenSeconds"
        FROM speech_tasks t
       WHERE status IN ('completed', 'interrupted', 'failed') AND announced_at IS NULL
         AND ended_at < now() - make_interval(secs => ${seconds}::double precision)
       ORDER BY ended_at LIMIT ${limit}`);
    return { heads, unannounced };
  }
}
