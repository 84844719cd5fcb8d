import { Inject, Injectable } from '@nestjs/common';
import type { Session } from '../generated/prisma/client';
import { Db, PRISMA_CLIENT } from './prisma-client.token';

export type SessionRow = Session;

export interface NewSession {
  id: string;
  provider: string;
  avatarId: string;
  voiceId?: string;
  quality: string;
}

export type StopResult =
  | { outcome: 'stopped'; session: SessionRow }
  | { outcome: 'not_found' }
  | { outcome: 'already_stopped'; session: SessionRow };

/** Sessions of one tenant. Every method takes the tenant id first: no unscoped query. */
@Injectable()
export class SessionsRepository {
  constructor(@Inject(PRISMA_CLIENT) private readonly db: Db) {}

  create(tenantId: string, data: NewSession): Promise<SessionRow> {
    return this.db.session.create({ data: { ...data, tenantId } });
  }

  find(tenantId: string, sessionId: string): Promise<SessionRow | null> {
    return this.db.session.findFirst({ where: { tenantId, id: sessionId } });
  }

  async list(tenantId: string, query: { status?: SessionRow['status']; limit: number; offset: number }): Promise<{ rows: SessionRow[]; total: number }> {
    const where = { tenantId, ...(query.status ? { status: query.status } : {}) };
    const [rows, total] = await this.db.$transaction([
      this.db.session.findMany({ where, orderBy: { createdAt: 'desc' }, take: query.limit, skip: query.offset }),
      this.db.session.count({ where }),
    ]);
    return { rows, total };
  }

  /** created → active. False when the session is not (or no longer) waiting to start. */
  async markStarted(tenantId: string, sessionId: string, providerSessionId: string): Promise<boolean> {
    const { count } = await this.db.session.updateMany({
      where: { tenantId, id: sessionId, status: 'created' },
      data: { status: 'active', startedAt: new Date(), providerSessionId },
    });
    return count === 1;
  }

  /**
   * Ends the session and fixes its billed duration in one statement, with the
   * database's clock: started_at to now, or 0 if it never started. Idempotent: a
   * second stop reports the first one's result.
   */
  async stop(tenantId: string, sessionId: string, reason: string): Promise<StopResult> {
    const rows = await this.db.$queryRaw<Array<{ id: string }>>`
      UPDATE sessions
         SET status = 'stopped',
             ended_at = now(),
             end_reason = ${reason},
             duration_ms = CASE WHEN started_at IS NULL THEN 0
                                ELSE GREATEST(0, round(extract(epoch FROM (now() - started_at)) * 1000))::int END
       WHERE tenant_id = ${tenantId}::uuid AND id = ${sessionId}::uuid AND status <> 'stopped'
   RETURNING id`;
    const session = await this.find(tenantId, sessionId);
    if (!session) return { outcome: 'not_found' };
    return rows.length === 1 ? { outcome: 'stopped', session } : { outcome: 'already_stopped', session };
  }
}
