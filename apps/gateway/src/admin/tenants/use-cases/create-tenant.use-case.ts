import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { CreateTenantRequest, TenantResponse, TenantScopes } from '@avatar/contracts';
import { TenantAdminRepository } from '@avatar/persistence';
import { newTenantDocuments, tenantView } from '@avatar/tenancy';
import { AdminAudit } from '../../common/admin-audit';

/** POST /admin/v1/tenants: a new, active tenant with the settings given ({} = platform defaults). */
@Injectable()
export class CreateTenantUseCase {
  constructor(
    private readonly tenants: TenantAdminRepository,
    private readonly audit: AdminAudit,
  ) {}

  async execute(request: CreateTenantRequest): Promise<TenantResponse> {
    const tenant = TenantScopes.administered(randomUUID());
    const row = await this.tenants.create(tenant, newTenantDocuments(request));
    this.audit.record('tenant.create', row.id, { name: row.name });
    return tenantView(row);
  }
}
