import type { TenantScope } from '@avatar/contracts';
import { Injectable } from '@nestjs/common';
import { ListSessionsQuery, ListSessionsResponse, sessionCursor } from '@avatar/contracts';
import { SessionsRepository } from '@avatar/persistence';
import { toSessionSummary } from '../session-summary';

/**
 * streaming.sessions: the tenant's sessions, filtered (status, provider, created
 * from/to), sorted by creation (newest first by default), a page at a time. A page
 * ends with `next_cursor` (keyset on created_at and id: stable while sessions are
 * created, any depth at the same cost); `offset` still works for existing clients.
 */
@Injectable()
export class ListSessionsUseCase {
  constructor(private readonly sessions: SessionsRepository) {}

  async execute(tenantId: TenantScope, query: ListSessionsQuery): Promise<ListSessionsResponse> {
    // One row more than the page: whether there is a next page, without counting.
    const { rows, total } = await this.sessions.list(tenantId, {
      status: query.status,
      provider: query.provider,
      from: query.from,
      to: query.to,
      order: query.sort === 'created_at' ? 'asc' : 'desc',
      after: query.cursor,
      limit: query.limit + 1,
      offset: query.offset,
    });
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    const now = new Date();
    return {
      sessions: page.map((row) => toSessionSummary(row, now)),
      total,
      next_cursor: rows.length > query.limit && last ? sessionCursor.encode({ createdAt: last.createdAt, id: last.id }) : null,
    };
  }
}
