import { Inject, Injectable, Logger } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { ConsumerMessages, DeliverPolicy, jetstream } from '@nats-io/jetstream';
import { ClientEventMessage, EventEnvelope, EVENTS_STREAM, subjects } from '@avatar/contracts';
import { decodeJson, NATS_CONNECTION } from '@avatar/messaging';

/** The part of a WebSocket the relay needs. */
export interface EventSink {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

const OPEN = 1;
/** A client that lets this much go unread is cut off rather than buffered without end. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/**
 * Streams one session's events to one socket from the JetStream stream: all of the
 * session's history on a first connect (a late client catches up), or everything
 * after `lastEventId` on a reconnect. The stream sequence is the event id.
 */
@Injectable()
export class EventRelay {
  private readonly logger = new Logger(EventRelay.name);

  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  async attach(socket: EventSink & { bufferedAmount?: number }, scope: { tenantId: string; sessionId: string }, lastEventId?: number): Promise<ConsumerMessages> {
    const consumer = await jetstream(this.nc).consumers.get(EVENTS_STREAM, {
      filter_subjects: subjects.sessionEvents(scope.tenantId, scope.sessionId),
      ...(lastEventId !== undefined ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: lastEventId + 1 } : { deliver_policy: DeliverPolicy.All }),
    });
    const messages = await consumer.consume();
    void (async () => {
      for await (const msg of messages) {
        if (socket.readyState !== OPEN) break;
        if ((socket.bufferedAmount ?? 0) > MAX_BUFFERED_BYTES) {
          socket.close(1013, 'client too slow: reconnect with last_event_id');
          break;
        }
        const { event, session_id } = decodeJson<EventEnvelope>(msg.data);
        const out: ClientEventMessage = { id: msg.seq, session_id, ...event };
        socket.send(JSON.stringify(out));
      }
    })()
      .catch((err) => this.logger.warn(`relay for session ${scope.sessionId} ended: ${(err as Error).message}`))
      .finally(() => void messages.close());
    return messages;
  }
}
