import { BullModule } from '@nestjs/bullmq';
import { WEBHOOK_QUEUE } from '@avatar/contracts';
import type { WorkerAreaFactory } from '../worker-area';
import { DeliverWebhookUseCase } from './deliver-webhook.use-case';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookEventsConsumer } from './webhook-events.consumer';
import { WebhookSender } from './webhook-sender';
import { WebhookSweeper } from './webhook-sweeper';
import { registerWebhookProcessor } from './webhook.processor';

/**
 * Webhooks in the worker (docs/adr/0010): lifecycle events become deliveries
 * (WebhookEventsConsumer), deliveries become jobs (WebhookDispatcher, WebhookSweeper),
 * jobs become signed POSTs with retries (WebhookProcessor, DeliverWebhookUseCase).
 */
export const webhooksArea: WorkerAreaFactory = (config) => ({
  imports: [BullModule.registerQueue({ name: WEBHOOK_QUEUE })],
  providers: [
    // Opens the endpoints' secrets (sealed by the admin API with the same keys).
    WebhookSender,
    DeliverWebhookUseCase,
    registerWebhookProcessor(config),
    WebhookDispatcher,
    WebhookSweeper,
    WebhookEventsConsumer,
  ],
});
