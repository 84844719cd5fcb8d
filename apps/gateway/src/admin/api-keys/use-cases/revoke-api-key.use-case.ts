import { Inject, Injectable } from '@nestjs/common';
import type { ApiKeySummary, TenantScope } from '@avatar/contracts';
import { ApiKeysRepository } from '@avatar/persistence';
import { adminNotFound, announcements, Announcer, apiKeyView } from '@avatar/tenancy';
import { AdminAudit } from '../../common/admin-audit';
import { ANNOUNCER } from '../../common/announcer.token';

/**
 * POST /admin/v1/tenants/:tenant_id/api-keys/:key_id/revoke: the key stops working on
 * every gateway at once (database first, then the announcement). Repeatable: a second
 * revoke keeps the first revoked_at.
 */
@Injectable()
export class RevokeApiKeyUseCase {
  constructor(
    private readonly keys: ApiKeysRepository,
    @Inject(ANNOUNCER) private readonly announcer: Announcer,
    private readonly audit: AdminAudit,
  ) {}

  async execute(tenant: TenantScope, keyId: string): Promise<ApiKeySummary> {
    const row = await this.keys.revoke(tenant, keyId);
    if (!row) throw adminNotFound.apiKey(tenant, keyId);
    await this.announcer.announce(announcements.keyChanged(tenant, row.keyHash));
    this.audit.record('api_key.revoke', tenant, { key_id: keyId });
    return apiKeyView(row);
  }
}
