import { Injectable } from '@nestjs/common';
import type { TenantScope } from '@avatar/contracts';
import { WebhookEndpointsRepository } from '@avatar/persistence';
import { AdminAudit } from '../../common/admin-audit';
import { webhookNotFound } from '../webhook-views';

/**
 * DELETE /admin/v1/tenants/:tenant_id/webhooks/:webhook_id: the endpoint is disabled,
 * not erased: no event is recorded for it any more, its pending deliveries are given
 * up when their turn comes, and its delivery history stays readable. Repeatable.
 */
@Injectable()
export class DeleteWebhookUseCase {
  constructor(
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly audit: AdminAudit,
  ) {}

  async execute(tenant: TenantScope, webhookId: string): Promise<void> {
    const row = await this.endpoints.disable(tenant, webhookId);
    if (!row) throw webhookNotFound(tenant, webhookId);
    this.audit.record('webhook.delete', tenant, { webhook_id: webhookId });
  }
}
