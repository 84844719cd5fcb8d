import { Injectable } from '@nestjs/common';
import { ListTenantsQuery, ListTenantsResponse, tenantCursor } from '@avatar/contracts';
import { TenantAdminRepository } from '@avatar/persistence';
import { tenantView } from '@avatar/tenancy';

/** GET /admin/v1/tenants: a page of tenants in id order; next_cursor is null on the last page. */
@Injectable()
export class ListTenantsUseCase {
  constructor(private readonly tenants: TenantAdminRepository) {}

  async execute(query: ListTenantsQuery): Promise<ListTenantsResponse> {
    // One row more than the page tells whether another page exists.
    const rows = await this.tenants.list({ status: query.status, after: query.cursor, limit: query.limit + 1 });
    const page = rows.slice(0, query.limit);
    const more = rows.length > query.limit;
    return { tenants: page.map(tenantView), next_cursor: more ? tenantCursor.encode(page[page.length - 1].id) : null };
  }
}
