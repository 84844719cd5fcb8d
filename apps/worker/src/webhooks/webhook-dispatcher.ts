import { Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { WEBHOOK_QUEUE, WebhookJobData, webhookJob } from '@avatar/contracts';
import type { DeliveryRef } from '@avatar/persistence';

/**
 * Queues webhook deliveries for sending, right after they were recorded. The job id
 * is the delivery id: offering a delivery again while its job exists does nothing.
 * Another worker area that records events through the outbox (quotas) can hand the
 * ids here; whatever is not handed over is queued by the sweeper within seconds.
 */
@Injectable()
export class WebhookDispatcher {
  constructor(@InjectQueue(WEBHOOK_QUEUE) private readonly queue: Queue<WebhookJobData>) {}

  async dispatch(deliveries: DeliveryRef[]): Promise<void> {
    if (deliveries.length === 0) return;
    await this.queue.addBulk(deliveries.map((d) => webhookJob(d.tenantId, d.id)));
  }
}
