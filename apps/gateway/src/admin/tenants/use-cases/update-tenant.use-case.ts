import { Inject, Injectable } from '@nestjs/common';
import type { TenantResponse, TenantScope, UpdateTenantRequest } from '@avatar/contracts';
import { TenantAdminRepository } from '@avatar/persistence';
import { adminNotFound, announcements, Announcer, tenantChanges, tenantView } from '@avatar/tenancy';
import { AdminAudit } from '../../common/admin-audit';
import { ANNOUNCER } from '../../common/announcer.token';

/**
 * PATCH /admin/v1/tenants/:tenant_id: name and settings; each settings object given
 * replaces the stored one. Announced, so every gateway applies new limits at once.
 */
@Injectable()
export class UpdateTenantUseCase {
  constructor(
    private readonly tenants: TenantAdminRepository,
    @Inject(ANNOUNCER) private readonly announcer: Announcer,
    private readonly audit: AdminAudit,
  ) {}

  async execute(tenant: TenantScope, request: UpdateTenantRequest): Promise<TenantResponse> {
    const changes = tenantChanges(request);
    const row = await this.tenants.update(tenant, changes);
    if (!row) throw adminNotFound.tenant(tenant);
    await this.announcer.announce(announcements.tenantChanged(tenant));
    this.audit.record('tenant.update', tenant, { changed: Object.keys(changes) });
    return tenantView(row);
  }
}
