import { Injectable } from '@nestjs/common';
import type { CreateApiKeyRequest, CreatedApiKeyResponse, TenantScope } from '@avatar/contracts';
import { ApiKeysRepository, TenantAdminRepository } from '@avatar/persistence';
import { createdApiKeyView, existingTenant, issueApiKey } from '@avatar/tenancy';
import { AdminAudit } from '../../common/admin-audit';

/** POST /admin/v1/tenants/:tenant_id/api-keys: the secret is in this answer and nowhere else (only its hash is stored). */
@Injectable()
export class CreateApiKeyUseCase {
  constructor(
    private readonly tenants: TenantAdminRepository,
    private readonly keys: ApiKeysRepository,
    private readonly audit: AdminAudit,
  ) {}

  async execute(tenant: TenantScope, request: CreateApiKeyRequest): Promise<CreatedApiKeyResponse> {
    await existingTenant(this.tenants, tenant);
    const { key, record } = issueApiKey(request.name, request.scopes);
    const row = await this.keys.create(tenant, record);
    this.audit.record('api_key.create', tenant, { key_id: row.id, scopes: row.scopes });
    return createdApiKeyView(row, key);
  }
}
