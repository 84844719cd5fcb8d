import type { Msg } from '@nats-io/transport-node';
import { context, trace } from '@opentelemetry/api';
import { isMediaEventType } from '@avatar/contracts';
import { SessionScope, startNatsSpan, traceContextOf } from '@avatar/messaging';
import { ATTR, scopeAttributes } from '@avatar/observability';
import type { RelayedEvent } from './socket-feed';

/**
 * The notifier's part of a trace: a lifecycle event from the session's live
 * subscription is relayed in a `process live.*.*.<type>` span (CONSUMER), child of the
 * worker's or gateway's publish span (its context came in the message headers, kept by
 * the stream's re-publish); each socket it is sent to gets a `ws send` span under it
 * (SessionClient). Frames and audio chunks are not traced: 25 frames a second per
 * session would be most of every trace and most of the tracing cost, and they carry no
 * context (no headers on media messages).
 */
export function relayTraced(scope: SessionScope, msg: Msg, event: RelayedEvent, deliver: () => void): void {
  if (isMediaEventType(event.type)) return deliver();
  const parent = traceContextOf(msg.headers);
  const span = startNatsSpan('process', msg.subject, parent, { ...scopeAttributes(scope), [ATTR.EVENT_TYPE]: event.type, ...(event.seq !== undefined ? { [ATTR.EVENT_ID]: event.seq } : {}) });
  event.trace = trace.setSpan(parent, span);
  try {
    context.with(event.trace, deliver);
  } finally {
    span.end();
  }
}
