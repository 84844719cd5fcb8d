import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ListCredentialsResponse, TenantScope } from '@avatar/contracts';
import { TenantAdminRepository, VendorCredentialsRepository } from '@avatar/persistence';
import { CREDENTIAL_CIPHER, CredentialCipher, credentialView, existingTenant, vendorCredentialFieldNames } from '@avatar/tenancy';

/**
 * GET /admin/v1/tenants/:tenant_id/credentials: which vendors, which field names, which
 * key sealed them. Names are read by opening the sealed document (only names leave);
 * a document that does not open shows `fields: null`.
 */
@Injectable()
export class ListCredentialsUseCase {
  private readonly logger = new Logger(ListCredentialsUseCase.name);

  constructor(
    private readonly tenants: TenantAdminRepository,
    private readonly credentials: VendorCredentialsRepository,
    @Inject(CREDENTIAL_CIPHER) private readonly cipher: CredentialCipher,
  ) {}

  async execute(tenant: TenantScope): Promise<ListCredentialsResponse> {
    await existingTenant(this.tenants, tenant);
    const rows = await this.credentials.list(tenant);
    return {
      credentials: rows.map((row) => {
        try {
          return credentialView(row, vendorCredentialFieldNames(this.cipher, tenant, row.provider, row));
        } catch (err) {
          this.logger.warn(`${row.provider} credentials of tenant ${tenant}: ${(err as Error).message}`);
          return credentialView(row, null);
        }
      }),
    };
  }
}
