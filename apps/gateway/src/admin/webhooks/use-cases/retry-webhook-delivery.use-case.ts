import { Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { PlatformError, TenantScope, WEBHOOK_QUEUE, WebhookDeliveryResponse, WebhookJobData, webhookJob } from '@avatar/contracts';
import { WebhookDeliveriesRepository, WebhookEndpointsRepository } from '@avatar/persistence';
import { AdminAudit } from '../../common/admin-audit';
import { deliveryNotFound, deliveryView, webhookNotFound } from '../webhook-views';

/**
 * POST …/deliveries/:delivery_id/retry: a failed delivery goes back to pending and is
 * queued now, with a fresh retry window; a pending one waiting for its next attempt
 * is tried now. A delivered one, or one of a disabled endpoint, is refused (400). The
 * gateway only writes the row and queues the job: a worker sends it.
 */
@Injectable()
export class RetryWebhookDeliveryUseCase {
  constructor(
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly deliveries: WebhookDeliveriesRepository,
    @InjectQueue(WEBHOOK_QUEUE) private readonly queue: Queue<WebhookJobData>,
    private readonly audit: AdminAudit,
  ) {}

  async execute(tenant: TenantScope, webhookId: string, deliveryId: string): Promise<WebhookDeliveryResponse> {
    const endpoint = await this.endpoints.find(tenant, webhookId);
    if (!endpoint) throw webhookNotFound(tenant, webhookId);
    if (endpoint.disabledAt) {
      throw new PlatformError('VALIDATION_ERROR', `webhook ${webhookId} is deleted: its deliveries cannot be retried`, { webhook_id: webhookId, delivery_id: deliveryId });
    }
    const row = await this.deliveries.reopen(tenant, webhookId, deliveryId);
    if (!row) {
      if (!(await this.deliveries.find(tenant, webhookId, deliveryId))) throw deliveryNotFound(tenant, webhookId, deliveryId);
      throw new PlatformError('VALIDATION_ERROR', `delivery ${deliveryId} was delivered: nothing to retry`, { delivery_id: deliveryId, status: 'delivered' });
    }
    await this.queueNow(tenant, deliveryId);
    this.audit.record('webhook.delivery.retry', tenant, { webhook_id: webhookId, delivery_id: deliveryId });
    return deliveryView(row);
  }

  /** A job waiting for its backoff runs now; a finished one is replaced (same id); none: queued. */
  private async queueNow(tenant: TenantScope, deliveryId: string): Promise<void> {
    const existing = await this.queue.getJob(deliveryId);
    if (existing) {
      const state = await existing.getState();
      if (state === 'delayed') return existing.promote();
      if (state !== 'completed' && state !== 'failed') return; // waiting or active: it runs anyway
      await existing.remove();
    }
    const job = webhookJob(tenant, deliveryId);
    await this.queue.add(job.name, job.data, job.opts);
  }
}
