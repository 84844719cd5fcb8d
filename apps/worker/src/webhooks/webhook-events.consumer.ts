import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { EventEnvelope, TenantScopes, WEBHOOK_EVENT_CONSUMERS } from '@avatar/contracts';
import { consumeDurable, decodeEventEnvelope, NATS_CONNECTION, RefusedMessages, withTimeout } from '@avatar/messaging';
import { WebhookOutboxRepository } from '@avatar/persistence';
import { webhookEventOf } from './webhook-event.mapper';
import { WebhookDispatcher } from './webhook-dispatcher';

/** Events being recorded at once per consumer (its max_ack_pending): bounds the database work in flight. */
export const WEBHOOK_EVENTS_IN_FLIGHT = 64;
/** A failed insert is redelivered after this long. */
const RETRY_DELAY_MS = 1000;
/**
 * Longest the consumer waits for the queue (Redis) before it acknowledges anyway: the
 * deliveries are recorded, and the sweeper queues what this did not.
 */
export const DISPATCH_TIMEOUT_MS = 5000;

/**
 * Turns session.started, session.stopped and task.failed from the events stream into
 * webhook deliveries: durable consumers shared by all workers (each event is handled
 * by one), one INSERT per event through the outbox, then the new deliveries are
 * queued, then the event is acknowledged. A worker that dies before the ack gets the
 * event redelivered, which is harmless: (endpoint, event key) is unique. Nothing of
 * this is on a request's path: the gateway only publishes the event.
 */
@Injectable()
export class WebhookEventsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookEventsConsumer.name);
  private readonly refused = new RefusedMessages((line) => this.logger.warn(line));
  private readonly consumers: ConsumerMessages[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly outbox: WebhookOutboxRepository,
    private readonly dispatcher: WebhookDispatcher,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // From the start of the retained stream when first created: nothing published
    // before the first worker came up is missed (and no endpoint exists yet then).
    for (const { name, filter } of WEBHOOK_EVENT_CONSUMERS) {
      const options = { name, filterSubject: filter, maxMessages: WEBHOOK_EVENTS_IN_FLIGHT, maxAckPending: WEBHOOK_EVENTS_IN_FLIGHT };
      this.consumers.push(await consumeDurable(this.nc, options, (msg) => this.track(this.handle(msg))));
    }
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  /** Records the event's deliveries, queues them, acknowledges; on a database error, asks for it again later. */
  async handle(msg: JsMsg): Promise<void> {
    let envelope: EventEnvelope;
    try {
      envelope = decodeEventEnvelope(msg.subject, msg.data);
    } catch (err) {
      // Invalid: no webhook, and never redelivered.
      this.refused.report('stored event (no webhook)', err);
      msg.term();
      return;
    }
    const event = webhookEventOf(envelope);
    if (!event) {
      msg.ack();
      return;
    }
    const tenantId = TenantScopes.ofRecord(envelope.tenant_id);
    let ids: string[];
    try {
      ids = await this.outbox.record(tenantId, event);
    } catch (err) {
      this.logger.error(`${event.type} of session ${envelope.session_id} not recorded for webhooks, will be redelivered: ${(err as Error).message}`);
      msg.nak(RETRY_DELAY_MS);
      return;
    }
    try {
      await withTimeout(this.dispatcher.dispatch(ids.map((id) => ({ tenantId, id }))), DISPATCH_TIMEOUT_MS, `no answer from the queue within ${DISPATCH_TIMEOUT_MS} ms`);
    } catch (err) {
      // Recorded: the sweeper queues it within seconds.
      this.logger.warn(`${ids.length} webhook deliveries recorded but not queued: ${(err as Error).message}`);
    }
    msg.ack();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.close()));
    await Promise.all(this.inFlight);
  }
}
