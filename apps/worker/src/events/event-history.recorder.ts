import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { EVENT_HISTORY_CONSUMER, EventEnvelope, isMediaEventType, isTaskEndingType, subjects, TenantScopes } from '@avatar/contracts';
import { consumeDurable, decodeEventEnvelope, NATS_CONNECTION, RefusedMessages } from '@avatar/messaging';
import { SessionEventGroup, SessionEventsRepository } from '@avatar/persistence';

/** PostgreSQL's foreign_key_violation: the event's session is gone. */
const FOREIGN_KEY_VIOLATION = '23503';

type MessageGroup = SessionEventGroup & { messages: JsMsg[] };

/** Events written per batch at most. */
export const HISTORY_BATCH_SIZE = 256;
/**
 * How long the first event of a batch waits for others. The history is read by
 * dashboards, not by the speak path: a few milliseconds turn one INSERT per event
 * or two into one per busy moment.
 */
export const HISTORY_LINGER_MS = 20;

/**
 * Writes the session event history from the events stream (lifecycle events only:
 * frames and audio never enter the stream). A durable consumer shared by all workers:
 * what arrived within HISTORY_LINGER_MS is written as one batch (one INSERT for every
 * session in it), acknowledged after the write, and redelivered if a worker dies
 * first — the write is idempotent on (session, stream sequence).
 */
@Injectable()
export class EventHistoryRecorder implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EventHistoryRecorder.name);
  private readonly refused = new RefusedMessages((line) => this.logger.warn(line));
  private messages?: ConsumerMessages;
  private buffer: JsMsg[] = [];
  private flushing?: Promise<void>;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly history: SessionEventsRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const options = { name: EVENT_HISTORY_CONSUMER, filterSubject: subjects.allEvents(), maxMessages: HISTORY_BATCH_SIZE };
    this.messages = await consumeDurable(this.nc, options, (msg) => this.receive(msg));
  }

  private receive(msg: JsMsg): void {
    this.buffer.push(msg);
    this.scheduleFlush();
  }

  /** One flush at a time; it starts HISTORY_LINGER_MS after the first event so that what arrives meanwhile is written together. */
  private scheduleFlush(): void {
    if (this.flushing) return;
    this.flushing = new Promise<void>((resolve) => setTimeout(resolve, HISTORY_LINGER_MS))
      .then(() => this.flush())
      .finally(() => {
        this.flushing = undefined;
        if (this.buffer.length > 0) this.scheduleFlush();
      });
  }

  private async flush(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, HISTORY_BATCH_SIZE);
      const { groups, leftOut } = this.group(batch);
      // All sessions in one statement; if that fails, each alone: one bad group (a
      // session deleted meanwhile) must not hold back the others.
      const together = groups.length > 1 && (await this.history.appendMany(groups).then(() => true, () => false));
      for (const group of groups) {
        if (together) group.messages.forEach((msg) => msg.ack());
        else await this.writeAlone(group);
      }
      for (const msg of leftOut) msg.ack();
    }
  }

  private async writeAlone(group: MessageGroup): Promise<void> {
    try {
      await this.history.appendMany([group]);
      for (const msg of group.messages) msg.ack();
    } catch (err) {
      if ((err as { code?: string }).code === FOREIGN_KEY_VIOLATION) {
        this.logger.warn(`session ${group.sessionId} no longer exists: ${group.events.length} events dropped from its history`);
        for (const msg of group.messages) msg.ack();
        return;
      }
      this.logger.error(`${group.events.length} events of session ${group.sessionId} not recorded, will be redelivered: ${(err as Error).message}`);
      for (const msg of group.messages) msg.nak(1000);
    }
  }

  /**
   * The batch by session. Media events (an older release stored some) are left out (and
   * acknowledged); an event that fails its schema is terminated: never redelivered, never recorded.
   */
  private group(batch: JsMsg[]): { groups: MessageGroup[]; leftOut: JsMsg[] } {
    const bySession = new Map<string, MessageGroup>();
    const leftOut: JsMsg[] = [];
    for (const msg of batch) {
      let envelope: EventEnvelope;
      try {
        envelope = decodeEventEnvelope(msg.subject, msg.data);
      } catch (err) {
        this.refused.report('stored event (left out of the history)', err);
        msg.term();
        continue;
      }
      if (isMediaEventType(envelope.event.type)) {
        leftOut.push(msg);
        continue;
      }
      const { type, ...payload } = envelope.event;
      const key = `${envelope.tenant_id}/${envelope.session_id}`;
      const group = bySession.get(key) ?? { tenantId: TenantScopes.ofRecord(envelope.tenant_id), sessionId: envelope.session_id, events: [], messages: [] };
      group.events.push({
        streamSeq: msg.seq,
        type,
        taskId: 'task_id' in payload ? (payload.task_id as string) : undefined,
        ending: isTaskEndingType(type),
        payload,
        createdAt: new Date(envelope.emitted_at),
      });
      group.messages.push(msg);
      bySession.set(key, group);
    }
    return { groups: [...bySession.values()], leftOut };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.messages?.close();
    await this.flushing;
  }
}
