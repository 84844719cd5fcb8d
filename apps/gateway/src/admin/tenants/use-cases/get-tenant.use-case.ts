import { Injectable } from '@nestjs/common';
import type { TenantResponse, TenantScope } from '@avatar/contracts';
import { TenantAdminRepository } from '@avatar/persistence';
import { existingTenant, tenantView } from '@avatar/tenancy';

/** GET /admin/v1/tenants/:tenant_id. */
@Injectable()
export class GetTenantUseCase {
  constructor(private readonly tenants: TenantAdminRepository) {}

  async execute(tenant: TenantScope): Promise<TenantResponse> {
    return tenantView(await existingTenant(this.tenants, tenant));
  }
}
