import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, ConsumerMessages, DeliverPolicy, jetstream, jetstreamManager, JsMsg } from '@nats-io/jetstream';
import { EVENT_HISTORY_CONSUMER, EventEnvelope, EVENTS_STREAM, MEDIA_EVENT_TYPES, subjects } from '@avatar/contracts';
import { decodeJson, NATS_CONNECTION } from '@avatar/messaging';
import { SessionEventsRepository } from '@avatar/persistence';


/**
 * Writes the session event history from the events stream. A durable consumer shared
 * by all workers: each event is written once, acknowledged after the write, and
 * redelivered if a worker dies first (the write is idempotent on the stream sequence).
 */
@Injectable()
export class EventHistoryRecorder implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EventHistoryRecorder.name);
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly history: SessionEventsRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const jsm = await jetstreamManager(this.nc);
    await jsm.consumers.add(EVENTS_STREAM, {
      durable_name: EVENT_HISTORY_CONSUMER,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      // One filter: Debian's nats-server (2.9) has no multi-subject filters, so media
      // events are read here too and skipped below.
      filter_subject: subjects.allEvents(),
      ack_wait: 30_000_000_000,
    });
    const consumer = await jetstream(this.nc).consumers.get(EVENTS_STREAM, EVENT_HISTORY_CONSUMER);
    this.messages = await consumer.consume({ max_messages: 256 });
    this.loop = this.record(this.messages);
  }

  private async record(messages: ConsumerMessages): Promise<void> {
    for await (const msg of messages) {
      try {
        await this.write(msg);
        msg.ack();
      } catch (err) {
        this.logger.error(`event ${msg.seq} not recorded, will be redelivered: ${(err as Error).message}`);
        msg.nak(1000);
      }
    }
  }

  private async write(msg: JsMsg): Promise<void> {
    const envelope = decodeJson<EventEnvelope>(msg.data);
    // Lifecycle events only: frames and audio stay in the stream (replay), not the database.
    if (MEDIA_EVENT_TYPES.includes(envelope.event.type)) return;
    const { type, ...payload } = envelope.event;
    await this.history.append(envelope.tenant_id, envelope.session_id, [
      {
        streamSeq: msg.seq,
        type,
        taskId: 'task_id' in payload ? (payload.task_id as string) : undefined,
        payload,
        createdAt: new Date(envelope.emitted_at),
      },
    ]);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.messages?.close();
    await this.loop;
  }
}
