import { Inject, Injectable } from '@nestjs/common';
import type { TenantResponse, TenantScope } from '@avatar/contracts';
import { TenantAdminRepository } from '@avatar/persistence';
import { adminNotFound, announcements, Announcer, tenantView } from '@avatar/tenancy';
import { AdminAudit } from '../../common/admin-audit';
import { ANNOUNCER } from '../../common/announcer.token';

/** POST /admin/v1/tenants/:tenant_id/enable: the tenant's keys (those not revoked or expired) work again. */
@Injectable()
export class EnableTenantUseCase {
  constructor(
    private readonly tenants: TenantAdminRepository,
    @Inject(ANNOUNCER) private readonly announcer: Announcer,
    private readonly audit: AdminAudit,
  ) {}

  async execute(tenant: TenantScope): Promise<TenantResponse> {
    const row = await this.tenants.setStatus(tenant, 'active');
    if (!row) throw adminNotFound.tenant(tenant);
    await this.announcer.announce(announcements.tenantChanged(tenant));
    this.audit.record('tenant.enable', tenant);
    return tenantView(row);
  }
}
