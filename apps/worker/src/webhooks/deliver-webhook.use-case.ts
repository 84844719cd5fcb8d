import { Inject, Injectable, Logger } from '@nestjs/common';
import { TenantScopes, WebhookBody, WebhookEventType, WebhookJobData } from '@avatar/contracts';
import { AttemptOutcome, DispatchableDelivery, WebhookDeliveriesRepository, WebhookEndpointsRepository } from '@avatar/persistence';
import { CREDENTIAL_CIPHER, CredentialCipher, signWebhook, WEBHOOK_HEADERS, webhookSecretContext } from '@avatar/tenancy';
import { WebhookSender } from './webhook-sender';

/**
 * What an attempt came to: delivered; retry (failed, BullMQ tries again later);
 * failed (the last attempt failed, or the endpoint is gone); skipped (nothing to send:
 * delivered or given up meanwhile).
 */
export type DeliveryOutcome = 'delivered' | 'retry' | 'failed' | 'skipped';

/** Longest receiver answer quoted in last_error. */
const ERROR_SNIPPET_LENGTH = 200;

/**
 * Sends one webhook delivery once: loads it with its endpoint, opens the endpoint's
 * secret, signs `<timestamp>.<body>`, POSTs, and records the attempt (attempts,
 * last_status, last_error, last_attempt_at, and the outcome). A 2xx is delivered; a
 * 410 Gone disables the endpoint (the receiver says it will never take them again);
 * anything else is a failed attempt, retried unless it is the last.
 */
@Injectable()
export class DeliverWebhookUseCase {
  private readonly logger = new Logger(DeliverWebhookUseCase.name);

  constructor(
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly sender: WebhookSender,
    @Inject(CREDENTIAL_CIPHER) private readonly cipher: CredentialCipher,
  ) {}

  async execute(job: WebhookJobData, options: { final: boolean; now?: () => number }): Promise<DeliveryOutcome> {
    const tenantId = TenantScopes.ofRecord(job.tenantId);
    const delivery = await this.deliveries.forDispatch(tenantId, job.deliveryId);
    if (!delivery) return 'skipped';
    if (delivery.endpointDisabledAt) {
      await this.deliveries.abandon(tenantId, delivery.id, 'endpoint disabled');
      return 'failed';
    }

    let secret: string;
    try {
      secret = this.cipher.open({ keyId: delivery.keyId, sealed: delivery.sealedSecret }, webhookSecretContext(delivery.tenantId, delivery.endpointId)).toString('utf8');
    } catch (err) {
      // The operator dropped the key that sealed it (CREDENTIALS_OLD_KEYS): retried, so
      // restoring the key lets the delivery through.
      return this.record(delivery, { delivered: false, httpStatus: null, error: `signing secret unavailable: ${(err as Error).message}`, final: options.final });
    }

    const body = JSON.stringify(bodyOf(delivery));
    const timestamp = Math.floor((options.now ?? Date.now)() / 1000);
    const result = await this.sender.post(delivery.url, body, {
      [WEBHOOK_HEADERS.ID]: delivery.id,
      [WEBHOOK_HEADERS.TIMESTAMP]: String(timestamp),
      [WEBHOOK_HEADERS.SIGNATURE]: signWebhook(secret, timestamp, body),
    });

    if (result.status === null) return this.record(delivery, { delivered: false, httpStatus: null, error: result.error, final: options.final });
    if (result.status >= 200 && result.status < 300) return this.record(delivery, { delivered: true, httpStatus: result.status, error: null, final: false });
    const error = `HTTP ${result.status}${result.snippet ? `: ${result.snippet.slice(0, ERROR_SNIPPET_LENGTH)}` : ''}`;
    if (result.status === 410) {
      await this.endpoints.disable(tenantId, delivery.endpointId);
      this.logger.warn(`webhook endpoint ${delivery.endpointId} answered 410 Gone: disabled`);
      return this.record(delivery, { delivered: false, httpStatus: 410, error, final: true });
    }
    return this.record(delivery, { delivered: false, httpStatus: result.status, error, final: options.final });
  }

  private async record(delivery: DispatchableDelivery, outcome: AttemptOutcome): Promise<DeliveryOutcome> {
    const attempts = await this.deliveries.recordAttempt(TenantScopes.ofRecord(delivery.tenantId), delivery.id, outcome);
    if (attempts === null) return 'skipped';
    if (outcome.delivered) return 'delivered';
    if (outcome.final) this.logger.warn(`webhook delivery ${delivery.id} failed after ${attempts} attempt(s): ${outcome.error}`);
    return outcome.final ? 'failed' : 'retry';
  }
}

/** The JSON body a receiver gets. */
function bodyOf(delivery: DispatchableDelivery): WebhookBody {
  return {
    id: delivery.id,
    type: delivery.eventType as WebhookEventType,
    created_at: delivery.createdAt.toISOString(),
    tenant_id: delivery.tenantId,
    data: delivery.payload,
  };
}
