import { randomUUID } from 'node:crypto';
import { headers, NatsConnection } from '@nats-io/transport-node';
import { jetstream, JetStreamClient } from '@nats-io/jetstream';
import { EventEnvelope, SessionEvent, subjects, TRACEPARENT_HEADER } from '@avatar/contracts';
import { outgoingTraceparent } from '@avatar/observability';
import { encodeJson } from './json-codec';

export interface SessionScope {
  tenantId: string;
  sessionId: string;
}

/**
 * Publishes session events into the JetStream stream. The returned sequence is the
 * event's id as clients see it: monotonically increasing within the stream, and so
 * within each session.
 */
export class EventPublisher {
  private readonly js: JetStreamClient;

  constructor(nc: NatsConnection) {
    this.js = jetstream(nc);
  }

  async publish(scope: SessionScope, event: SessionEvent): Promise<number> {
    const envelope: EventEnvelope = {
      tenant_id: scope.tenantId,
      session_id: scope.sessionId,
      emitted_at: new Date().toISOString(),
      event,
    };
    const h = headers();
    const traceparent = outgoingTraceparent();
    if (traceparent) h.set(TRACEPARENT_HEADER, traceparent);
    const ack = await this.js.publish(subjects.event(scope.tenantId, scope.sessionId, event.type), encodeJson(envelope), {
      headers: h,
      msgID: randomUUID(),
    });
    return ack.seq;
  }

  async publishAll(scope: SessionScope, events: SessionEvent[]): Promise<void> {
    // In order, one after another: the stream sequence is the order clients see.
    for (const event of events) await this.publish(scope, event);
  }
}
