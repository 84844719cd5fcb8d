import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, ConsumerMessages, DeliverPolicy, jetstream, jetstreamManager, JsMsg } from '@nats-io/jetstream';
import { EVENT_HISTORY_CONSUMER, EventEnvelope, EVENTS_STREAM, isMediaEventType, subjects } from '@avatar/contracts';
import { decodeJson, NATS_CONNECTION } from '@avatar/messaging';
import { RecordedEvent, SessionEventsRepository } from '@avatar/persistence';

/** Events written per batch at most. */
export const HISTORY_BATCH_SIZE = 256;

/**
 * Writes the session event history from the events stream (lifecycle events only:
 * frames and audio never enter the stream). A durable consumer shared by all workers:
 * the messages that arrived together are written as one batch (one `createMany` per
 * session in it), acknowledged after the write, and redelivered if a worker dies
 * first — the write is idempotent on (session, stream sequence).
 */
@Injectable()
export class EventHistoryRecorder implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EventHistoryRecorder.name);
  private messages?: ConsumerMessages;
  private buffer: JsMsg[] = [];
  private flushing?: Promise<void>;

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
      filter_subject: subjects.allEvents(),
      ack_wait: 30_000_000_000,
    });
    const consumer = await jetstream(this.nc).consumers.get(EVENTS_STREAM, EVENT_HISTORY_CONSUMER);
    this.messages = await consumer.consume({ max_messages: HISTORY_BATCH_SIZE, callback: (msg) => this.receive(msg) });
  }

  private receive(msg: JsMsg): void {
    this.buffer.push(msg);
    this.scheduleFlush();
  }

  /** One flush at a time; it starts after the current I/O turn so that what arrived together is written together. */
  private scheduleFlush(): void {
    if (this.flushing) return;
    this.flushing = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.flush())
      .finally(() => {
        this.flushing = undefined;
        if (this.buffer.length > 0) this.scheduleFlush();
      });
  }

  private async flush(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, HISTORY_BATCH_SIZE);
      try {
        await this.write(batch);
        for (const msg of batch) msg.ack();
      } catch (err) {
        this.logger.error(`${batch.length} events not recorded, will be redelivered: ${(err as Error).message}`);
        for (const msg of batch) msg.nak(1000);
      }
    }
  }

  private async write(batch: JsMsg[]): Promise<void> {
    const bySession = new Map<string, { tenantId: string; sessionId: string; events: RecordedEvent[] }>();
    for (const msg of batch) {
      const envelope = decodeJson<EventEnvelope>(msg.data);
      // Media events are not stored by this release; a stream of an older one may hold some.
      if (isMediaEventType(envelope.event.type)) continue;
      const { type, ...payload } = envelope.event;
      const key = `${envelope.tenant_id}/${envelope.session_id}`;
      const group = bySession.get(key) ?? { tenantId: envelope.tenant_id, sessionId: envelope.session_id, events: [] };
      group.events.push({
        streamSeq: msg.seq,
        type,
        taskId: 'task_id' in payload ? (payload.task_id as string) : undefined,
        payload,
        createdAt: new Date(envelope.emitted_at),
      });
      bySession.set(key, group);
    }
    await Promise.all([...bySession.values()].map((g) => this.history.append(g.tenantId, g.sessionId, g.events)));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.messages?.close();
    await this.flushing;
  }
}
