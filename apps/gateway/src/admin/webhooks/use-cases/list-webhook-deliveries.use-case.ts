import { Injectable } from '@nestjs/common';
import { deliveryCursor, ListWebhookDeliveriesQuery, ListWebhookDeliveriesResponse, TenantScope } from '@avatar/contracts';
import { WebhookDeliveriesRepository, WebhookEndpointsRepository } from '@avatar/persistence';
import { deliveryView, webhookNotFound } from '../webhook-views';

/** GET /admin/v1/tenants/:tenant_id/webhooks/:webhook_id/deliveries: newest first, a page at a time, with their attempts. */
@Injectable()
export class ListWebhookDeliveriesUseCase {
  constructor(
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly deliveries: WebhookDeliveriesRepository,
  ) {}

  async execute(tenant: TenantScope, webhookId: string, query: ListWebhookDeliveriesQuery): Promise<ListWebhookDeliveriesResponse> {
    if (!(await this.endpoints.find(tenant, webhookId))) throw webhookNotFound(tenant, webhookId);
    // One more than the page: whether there is a next page, without a count.
    const rows = await this.deliveries.list(tenant, webhookId, { status: query.status, limit: query.limit + 1, after: query.cursor });
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return { deliveries: page.map(deliveryView), next_cursor: rows.length > query.limit && last ? deliveryCursor.encode(last) : null };
  }
}
