import { Inject, Injectable } from '@nestjs/common';
import type { CredentialProvider, CredentialSummary, PutCredentialsRequest, TenantScope } from '@avatar/contracts';
import { TenantAdminRepository, VendorCredentialsRepository } from '@avatar/persistence';
import { CREDENTIAL_CIPHER, CredentialCipher, credentialView, existingTenant, sealVendorCredentials } from '@avatar/tenancy';
import { AdminAudit } from '../../common/admin-audit';

/**
 * PUT /admin/v1/tenants/:tenant_id/credentials/:provider: seals the fields with
 * CREDENTIALS_KEY (503 without one) and replaces what was stored. The answer and the
 * audit line name the fields, never a value.
 */
@Injectable()
export class PutCredentialsUseCase {
  constructor(
    private readonly tenants: TenantAdminRepository,
    private readonly credentials: VendorCredentialsRepository,
    @Inject(CREDENTIAL_CIPHER) private readonly cipher: CredentialCipher,
    private readonly audit: AdminAudit,
  ) {}

  async execute(tenant: TenantScope, provider: CredentialProvider, fields: PutCredentialsRequest): Promise<CredentialSummary> {
    await existingTenant(this.tenants, tenant);
    const row = await this.credentials.put(tenant, provider, sealVendorCredentials(this.cipher, tenant, provider, fields));
    const names = Object.keys(fields).sort();
    this.audit.record('credentials.put', tenant, { provider, fields: names, key_id: row.keyId });
    return credentialView(row, names);
  }
}
