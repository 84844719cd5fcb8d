import { Injectable } from '@nestjs/common';
import type { CredentialProvider, TenantScope } from '@avatar/contracts';
import { TenantAdminRepository, VendorCredentialsRepository } from '@avatar/persistence';
import { AdminAudit } from '../../common/admin-audit';
import { adminNotFound, existingTenant } from '@avatar/tenancy';

/** DELETE /admin/v1/tenants/:tenant_id/credentials/:provider: 204, or 404 if none were stored. */
@Injectable()
export class DeleteCredentialsUseCase {
  constructor(
    private readonly tenants: TenantAdminRepository,
    private readonly credentials: VendorCredentialsRepository,
    private readonly audit: AdminAudit,
  ) {}

  async execute(tenant: TenantScope, provider: CredentialProvider): Promise<void> {
    await existingTenant(this.tenants, tenant);
    if (!(await this.credentials.delete(tenant, provider))) throw adminNotFound.credentials(tenant, provider);
    this.audit.record('credentials.delete', tenant, { provider });
  }
}
