import { Injectable } from '@nestjs/common';
import type { ListWebhooksResponse, TenantScope } from '@avatar/contracts';
import { TenantAdminRepository, WebhookEndpointsRepository } from '@avatar/persistence';
import { endpointView } from '../webhook-views';
import { existingTenant } from '@avatar/tenancy';

/** GET /admin/v1/tenants/:tenant_id/webhooks: every endpoint, disabled ones included; never a secret. */
@Injectable()
export class ListWebhooksUseCase {
  constructor(
    private readonly tenants: TenantAdminRepository,
    private readonly endpoints: WebhookEndpointsRepository,
  ) {}

  async execute(tenant: TenantScope): Promise<ListWebhooksResponse> {
    await existingTenant(this.tenants, tenant);
    return { webhooks: (await this.endpoints.list(tenant)).map(endpointView) };
  }
}
