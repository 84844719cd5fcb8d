import type { NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, ConsumerMessages, DeliverPolicy, jetstream, jetstreamManager, JsMsg } from '@nats-io/jetstream';
import { EVENTS_STREAM } from '@avatar/contracts';

/** A message not acknowledged within this long is delivered again (to any worker). */
const ACK_WAIT_NS = 30_000_000_000;

export interface DurableConsumerOptions {
  /** The durable's name: shared by every worker, so each message goes to one of them. */
  name: string;
  filterSubject: string;
  /** Messages pulled at once by this process. */
  maxMessages: number;
  /** Messages handed out and not yet acknowledged, over all workers (server default if absent). */
  maxAckPending?: number;
}

/**
 * Creates (or finds) a durable consumer of the events stream with explicit acks, from
 * the start of the retained stream when first created, and starts consuming it. The
 * platform's consumers of lifecycle events (history, webhooks) are all made this way.
 */
export async function consumeDurable(nc: NatsConnection, options: DurableConsumerOptions, callback: (msg: JsMsg) => void): Promise<ConsumerMessages> {
  const jsm = await jetstreamManager(nc);
  await jsm.consumers.add(EVENTS_STREAM, {
    durable_name: options.name,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: options.filterSubject,
    ack_wait: ACK_WAIT_NS,
    ...(options.maxAckPending ? { max_ack_pending: options.maxAckPending } : {}),
  });
  const consumer = await jetstream(nc).consumers.get(EVENTS_STREAM, options.name);
  return consumer.consume({ max_messages: options.maxMessages, callback });
}
