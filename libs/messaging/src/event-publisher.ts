import type { TenantScope } from '@avatar/contracts';
import { randomUUID } from 'node:crypto';
import { NatsConnection } from '@nats-io/transport-node';
import { jetstream, JetStreamClient } from '@nats-io/jetstream';
import { context } from '@opentelemetry/api';
import { EventEnvelope, isMediaEventType, isTaskEndingType, MediaEvent, SessionEvent, subjects } from '@avatar/contracts';
import { ATTR, failSpan, scopeAttributes } from '@avatar/observability';
import { encodeJson } from './json-codec';
import { injectTraceHeaders, startNatsSpan, withSpan } from './nats-trace';

export interface SessionScope {
  tenantId: TenantScope;
  sessionId: string;
}

/**
 * Publishes session events (ADR 0004).
 * - Lifecycle events (task.*, session.*, status, chat, error) go into the JetStream
 *   stream on `evt.<t>.<s>.<type>`; the returned stream sequence is the event's id as
 *   clients see it. The stream re-publishes each one to `live.<t>.<s>.<type>` before
 *   it acknowledges, so a subscriber sees it before anything the publisher sends next.
 * - Media events (frame, audio) go to `live.<t>.<s>.<type>` on core NATS: no ack, no
 *   headers, no message id, never stored. What is published in one turn of the event
 *   loop leaves together (setImmediate): every speaker's frame timer fires in its own
 *   callback, and NATS would write each frame with its own socket write otherwise;
 *   batched, a worker speaking hundreds of sessions writes once per turn. A frame
 *   waits at most until the end of the turn it was emitted in, so it still leaves
 *   before anything that waits for I/O first (a terminal event is published only after
 *   the database has ended its task).
 */
export class EventPublisher {
  private readonly js: JetStreamClient;
  private media: Array<{ subject: string; payload: Uint8Array }> = [];

  constructor(private readonly nc: NatsConnection) {
    this.js = jetstream(nc);
  }

  /** One lifecycle event, stored; resolves to its stream sequence. Refuses media events. */
  async publish(scope: SessionScope, event: SessionEvent): Promise<number> {
    return this.store(scope, event);
  }

  /**
   * Lifecycle events in this order. All publishes are issued at once and their acks
   * awaited together: one connection's messages are stored in the order sent.
   */
  async publishAll(scope: SessionScope, events: SessionEvent[]): Promise<number[]> {
    return Promise.all(events.map((event) => this.store(scope, event)));
  }

  /** One frame or audio chunk, fire-and-forget on core NATS, sent at the end of this turn of the event loop. */
  publishMedia(scope: SessionScope, event: MediaEvent): void {
    if (!isMediaEventType(event.type)) throw new Error(`publishMedia takes frame or audio events, not ${event.type}`);
    if (this.media.length === 0) setImmediate(() => this.sendMedia());
    this.media.push({ subject: subjects.live(scope.tenantId, scope.sessionId, event.type), payload: encodeJson(envelopeOf(scope, event)) });
  }

  private sendMedia(): void {
    const batch = this.media;
    this.media = [];
    for (const { subject, payload } of batch) this.nc.publish(subject, payload);
  }

  private store(scope: SessionScope, event: SessionEvent): Promise<number> {
    // Synchronous up to the publish call, so publishAll sends in array order.
    if (isMediaEventType(event.type)) {
      return Promise.reject(new Error(`${event.type} is a media event: use publishMedia (media events are never stored)`));
    }
    // A span per stored event (its context rides in the headers to every consumer); media are never traced.
    const subject = subjects.event(scope.tenantId, scope.sessionId, event.type);
    const span = startNatsSpan('publish', subject, context.active(), { ...scopeAttributes(scope), [ATTR.EVENT_TYPE]: event.type });
    const h = injectTraceHeaders(withSpan(context.active(), span));
    return this.js.publish(subject, encodeJson(envelopeOf(scope, event)), { headers: h, msgID: messageIdOf(event) }).then(
      (ack) => {
        span.setAttribute(ATTR.EVENT_ID, ack.seq);
        span.end();
        return ack.seq;
      },
      (err: unknown) => {
        failSpan(span, err);
        span.end();
        throw err;
      },
    );
  }
}

/**
 * The JetStream message id (the stream drops a second message with the same id within
 * its duplicate window). A task's terminal event has one id whoever sends it, so an
 * ending announced twice — its worker published it and died before recording that,
 * then the reconciler announced it again — reaches clients once.
 */
function messageIdOf(event: SessionEvent): string {
  return isTaskEndingType(event.type) ? `task-end.${(event as { task_id: string }).task_id}` : randomUUID();
}

function envelopeOf(scope: SessionScope, event: SessionEvent): EventEnvelope {
  return { tenant_id: scope.tenantId, session_id: scope.sessionId, emitted_at: new Date().toISOString(), event };
}
