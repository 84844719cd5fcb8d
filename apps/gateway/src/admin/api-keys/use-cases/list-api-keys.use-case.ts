import { Injectable } from '@nestjs/common';
import type { ListApiKeysResponse, TenantScope } from '@avatar/contracts';
import { ApiKeysRepository, TenantAdminRepository } from '@avatar/persistence';
import { apiKeyView, existingTenant } from '@avatar/tenancy';

/** GET /admin/v1/tenants/:tenant_id/api-keys: prefixes, scopes and dates; never a hash or a secret. */
@Injectable()
export class ListApiKeysUseCase {
  constructor(
    private readonly tenants: TenantAdminRepository,
    private readonly keys: ApiKeysRepository,
  ) {}

  async execute(tenant: TenantScope): Promise<ListApiKeysResponse> {
    await existingTenant(this.tenants, tenant);
    return { api_keys: (await this.keys.list(tenant)).map(apiKeyView) };
  }
}
