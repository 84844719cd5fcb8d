import { Inject, Injectable } from '@nestjs/common';
import { PlatformError, RotateApiKeyRequest, RotatedApiKeyResponse, TenantScope } from '@avatar/contracts';
import { ApiKeysRepository, TenantAdminRepository } from '@avatar/persistence';
import { adminNotFound, announcements, Announcer, createdApiKeyView, existingTenant, issueSecret } from '@avatar/tenancy';
import { GATEWAY_CONFIG, GatewayConfig } from '../../../gateway-config';
import { AdminAudit } from '../../common/admin-audit';
import { ANNOUNCER } from '../../common/announcer.token';

/**
 * POST /admin/v1/tenants/:tenant_id/api-keys/:key_id/rotate: a successor key (new id
 * and secret, same name and scopes) and an end for the old secret `grace_seconds` from
 * now (default API_KEY_ROTATION_GRACE_SECONDS), so clients can switch without an
 * outage. The old key's change is announced: caches re-read it and keep it no longer
 * than its new expiry.
 */
@Injectable()
export class RotateApiKeyUseCase {
  constructor(
    private readonly tenants: TenantAdminRepository,
    private readonly keys: ApiKeysRepository,
    @Inject(ANNOUNCER) private readonly announcer: Announcer,
    private readonly audit: AdminAudit,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'API_KEY_ROTATION_GRACE_SECONDS'>,
  ) {}

  async execute(tenant: TenantScope, keyId: string, request: RotateApiKeyRequest): Promise<RotatedApiKeyResponse> {
    await existingTenant(this.tenants, tenant);
    const grace = request.grace_seconds ?? this.config.API_KEY_ROTATION_GRACE_SECONDS;
    const { key, record } = issueSecret();
    const result = await this.keys.rotate(tenant, keyId, record, grace);
    if (result.outcome === 'not_found') throw adminNotFound.apiKey(tenant, keyId);
    if (result.outcome === 'not_usable') {
      const state = result.key.revokedAt ? 'revoked' : 'expired';
      throw new PlatformError('VALIDATION_ERROR', `API key ${keyId} is ${state}: create a new key instead of rotating it`, { key_id: keyId, state });
    }
    await this.announcer.announce(announcements.keyChanged(tenant, result.previous.keyHash));
    this.audit.record('api_key.rotate', tenant, { key_id: keyId, new_key_id: result.created.id, grace_seconds: grace });
    return { ...createdApiKeyView(result.created, key), previous_key: { id: keyId, expires_at: result.previous.expiresAt!.toISOString() } };
  }
}
