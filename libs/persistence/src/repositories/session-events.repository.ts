import { Inject, Injectable } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client';
import { Db, PRISMA_CLIENT } from './prisma-client.token';

export interface RecordedEvent {
  streamSeq: number;
  type: string;
  taskId?: string;
  payload: Record<string, unknown>;
  createdAt: Date;
}

/** The session event history (what happened, for dashboards and audits). */
@Injectable()
export class SessionEventsRepository {
  constructor(@Inject(PRISMA_CLIENT) private readonly db: Db) {}

  /** Idempotent on (session, stream sequence): a redelivered event is written once. */
  async append(tenantId: string, sessionId: string, events: RecordedEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.db.sessionEvent.createMany({
      data: events.map((e) => ({
        tenantId,
        sessionId,
        streamSeq: BigInt(e.streamSeq),
        type: e.type,
        taskId: e.taskId ?? null,
        payload: e.payload as Prisma.InputJsonValue,
        createdAt: e.createdAt,
      })),
      skipDuplicates: true,
    });
  }
}
