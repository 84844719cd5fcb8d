import { BullModule } from '@nestjs/bullmq';
import { WEBHOOK_QUEUE } from '@avatar/contracts';
import type { GatewayAreaFactory } from '../../gateway-area';
import { WebhooksController } from './webhooks.controller';
import { CreateWebhookUseCase } from './use-cases/create-webhook.use-case';
import { ListWebhooksUseCase } from './use-cases/list-webhooks.use-case';
import { DeleteWebhookUseCase } from './use-cases/delete-webhook.use-case';
import { ListWebhookDeliveriesUseCase } from './use-cases/list-webhook-deliveries.use-case';
import { RetryWebhookDeliveryUseCase } from './use-cases/retry-webhook-delivery.use-case';

/**
 * The webhook admin routes (docs/adr/0010). The admin area provides what they share
 * with it: the ADMIN_TOKEN guard, the credential cipher (seals the secrets), the audit
 * log. The gateway only writes rows and, for a manual retry, queues a job: it never
 * calls a receiver.
 */
export const webhooksArea: GatewayAreaFactory = () => ({
  imports: [BullModule.registerQueue({ name: WEBHOOK_QUEUE })],
  controllers: [WebhooksController],
  providers: [CreateWebhookUseCase, ListWebhooksUseCase, DeleteWebhookUseCase, ListWebhookDeliveriesUseCase, RetryWebhookDeliveryUseCase],
});
