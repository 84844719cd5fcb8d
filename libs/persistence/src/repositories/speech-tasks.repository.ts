import { Inject, Injectable } from '@nestjs/common';
import type { SpeechTask } from '../generated/prisma/client';
import { Prisma } from '../generated/prisma/client';
import { Db, PRISMA_CLIENT } from './prisma-client.token';

export type SpeechTaskRow = SpeechTask;

export interface NewSpeechTask {
  id: string;
  text: string;
  voiceId?: string;
  voiceSettings?: Record<string, unknown>;
  durationEstimateMs: number;
  traceparent?: string;
}

export type EnqueueResult =
  | { outcome: 'queued'; task: SpeechTaskRow }
  | { outcome: 'session_not_found' }
  | { outcome: 'session_not_active'; status: string };

export interface InterruptedTask {
  id: string;
  /** What the task was doing when it was interrupted. */
  previous: 'queued' | 'speaking';
}

/** Speech tasks of one tenant. Every method takes the tenant id first. */
@Injectable()
export class SpeechTasksRepository {
  constructor(@Inject(PRISMA_CLIENT) private readonly db: Db) {}

  /**
   * Appends a task to its session's speaking order. The sequence number comes from
   * the session row (UPDATE … RETURNING locks it), so concurrent speaks get distinct,
   * gap-free positions, and a session that is not active gets nothing written.
   */
  async enqueue(tenantId: string, sessionId: string, task: NewSpeechTask): Promise<EnqueueResult> {
    return this.db.$transaction(async (tx) => {
      const seq = await tx.$queryRaw<Array<{ task_seq: number }>>`
        UPDATE sessions SET task_seq = task_seq + 1
         WHERE tenant_id = ${tenantId}::uuid AND id = ${sessionId}::uuid AND status = 'active'
     RETURNING task_seq`;
      if (seq.length === 0) {
        const session = await tx.session.findFirst({ where: { tenantId, id: sessionId }, select: { status: true } });
        return session ? { outcome: 'session_not_active' as const, status: session.status } : { outcome: 'session_not_found' as const };
      }
      const created = await tx.speechTask.create({
        data: {
          ...task,
          voiceSettings: task.voiceSettings as Prisma.InputJsonValue | undefined,
          tenantId,
          sessionId,
          seq: seq[0].task_seq,
        },
      });
      return { outcome: 'queued' as const, task: created };
    });
  }

  find(tenantId: string, taskId: string): Promise<SpeechTaskRow | null> {
    return this.db.speechTask.findFirst({ where: { tenantId, id: taskId } });
  }

  /** Removes a task whose job could not be queued: the speak request failed as a whole. */
  async discard(tenantId: string, taskId: string): Promise<void> {
    await this.db.speechTask.deleteMany({ where: { tenantId, id: taskId, status: 'queued' } });
  }

  /** Whether an earlier task of the session has yet to finish: then this one must wait. */
  async hasUnfinishedPredecessor(tenantId: string, sessionId: string, seq: number): Promise<boolean> {
    const count = await this.db.speechTask.count({
      where: { tenantId, sessionId, seq: { lt: seq }, status: { in: ['queued', 'speaking'] } },
    });
    return count > 0;
  }

  /** The next task waiting in the session after `seq`, if any. */
  nextQueued(tenantId: string, sessionId: string, afterSeq: number): Promise<Pick<SpeechTaskRow, 'id'> | null> {
    return this.db.speechTask.findFirst({
      where: { tenantId, sessionId, seq: { gt: afterSeq }, status: 'queued' },
      orderBy: { seq: 'asc' },
      select: { id: true },
    });
  }

  /**
   * queued → speaking. Also takes a task left `speaking` by a worker that died: the
   * caller holds the task's job lock, so nobody else can be speaking it. False when
   * it has ended (interrupted, completed, failed).
   */
  async claim(tenantId: string, taskId: string): Promise<boolean> {
    const { count } = await this.db.speechTask.updateMany({
      where: { tenantId, id: taskId, status: { in: ['queued', 'speaking'] } },
      data: { status: 'speaking', startedAt: new Date(), attempts: { increment: 1 } },
    });
    return count === 1;
  }

  /** speaking → completed/failed. False when an interrupt got there first. */
  async finish(tenantId: string, taskId: string, status: 'completed' | 'failed', error?: string): Promise<boolean> {
    const { count } = await this.db.speechTask.updateMany({
      where: { tenantId, id: taskId, status: 'speaking' },
      data: { status, endedAt: new Date(), error: error ?? null },
    });
    return count === 1;
  }

  /** A failed task that ends without ever speaking (its retries ran out while queued). */
  async failQueued(tenantId: string, taskId: string, error: string): Promise<boolean> {
    const { count } = await this.db.speechTask.updateMany({
      where: { tenantId, id: taskId, status: { in: ['queued', 'speaking'] } },
      data: { status: 'failed', endedAt: new Date(), error },
    });
    return count === 1;
  }

  /** speaking → queued, to be tried again after a transient failure. */
  async release(tenantId: string, taskId: string, error: string): Promise<boolean> {
    const { count } = await this.db.speechTask.updateMany({
      where: { tenantId, id: taskId, status: 'speaking' },
      data: { status: 'queued', error },
    });
    return count === 1;
  }

  /** Ends every queued or speaking task of the session as interrupted, in speaking order. */
  async interruptPending(tenantId: string, sessionId: string): Promise<InterruptedTask[]> {
    return this.db.$queryRaw<InterruptedTask[]>`
      WITH pending AS (
        SELECT id, status, seq FROM speech_tasks
         WHERE tenant_id = ${tenantId}::uuid AND session_id = ${sessionId}::uuid AND status IN ('queued', 'speaking')
         FOR UPDATE
      ), updated AS (
        UPDATE speech_tasks t SET status = 'interrupted', ended_at = now()
          FROM pending
         WHERE t.id = pending.id
     RETURNING t.id::text AS id, pending.status::text AS previous, pending.seq
      )
      SELECT id, previous FROM updated ORDER BY seq`;
  }
}
