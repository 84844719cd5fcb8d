import type { TenantScope } from '@avatar/contracts';
import { Injectable } from '@nestjs/common';
import { ListSessionsQuery, ListSessionsResponse } from '@avatar/contracts';
import { SessionsRepository } from '@avatar/persistence';
import { toSessionSummary } from '../session-summary';

/** streaming.sessions: the tenant's sessions, newest first. */
@Injectable()
export class ListSessionsUseCase {
  constructor(private readonly sessions: SessionsRepository) {}

  async execute(tenantId: TenantScope, query: ListSessionsQuery): Promise<ListSessionsResponse> {
    const { rows, total } = await this.sessions.list(tenantId, query);
    const now = new Date();
    return { sessions: rows.map((row) => toSessionSummary(row, now)), total };
  }
}
