import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CreateWebhookRequest, CreateWebhookResponse, MAX_WEBHOOK_ENDPOINTS_PER_TENANT, PlatformError, TenantScope, WebhookEventType } from '@avatar/contracts';
import { TenantAdminRepository, WebhookEndpointsRepository } from '@avatar/persistence';
import { CREDENTIAL_CIPHER, CredentialCipher, existingTenant, generateWebhookSecret, webhookSecretContext } from '@avatar/tenancy';
import { AdminAudit } from '../../common/admin-audit';

/**
 * POST /admin/v1/tenants/:tenant_id/webhooks: a new endpoint with a fresh signing
 * secret, sealed with CREDENTIALS_KEY (503 naming it when unset) and answered this
 * once. The tenant's events are delivered to it from now on.
 */
@Injectable()
export class CreateWebhookUseCase {
  constructor(
    private readonly tenants: TenantAdminRepository,
    private readonly endpoints: WebhookEndpointsRepository,
    @Inject(CREDENTIAL_CIPHER) private readonly cipher: CredentialCipher,
    private readonly audit: AdminAudit,
  ) {}

  async execute(tenant: TenantScope, request: CreateWebhookRequest): Promise<CreateWebhookResponse> {
    await existingTenant(this.tenants, tenant);
    const id = randomUUID();
    const secret = generateWebhookSecret();
    const sealed = this.cipher.seal(secret, webhookSecretContext(tenant, id));
    const row = await this.endpoints.create(tenant, { id, url: request.url, events: request.events, keyId: sealed.keyId, sealedSecret: Buffer.from(sealed.sealed) }, MAX_WEBHOOK_ENDPOINTS_PER_TENANT);
    if (!row) {
      throw new PlatformError('QUOTA_EXCEEDED', `a tenant has at most ${MAX_WEBHOOK_ENDPOINTS_PER_TENANT} active webhook endpoints: delete one first`, {
        limit: MAX_WEBHOOK_ENDPOINTS_PER_TENANT,
      });
    }
    this.audit.record('webhook.create', tenant, { webhook_id: id, events: request.events, key_id: sealed.keyId });
    return { id: row.id, url: row.url, events: row.events as WebhookEventType[], secret, created_at: row.createdAt.toISOString() };
  }
}
