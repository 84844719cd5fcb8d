import { Attributes, Context, context, propagation, ROOT_CONTEXT, Span, SpanKind, TextMapGetter, TextMapSetter, trace } from '@opentelemetry/api';
import { headers as natsHeaders, MsgHdrs } from '@nats-io/transport-node';
import { ATTR, platformTracer } from '@avatar/observability';

/**
 * Trace context across NATS, which has no OpenTelemetry instrumentation: the
 * configured propagator (W3C `traceparent` by default) writes the context into a
 * message's headers on publish and request, and reads it back on receipt so the
 * consumer's span is a child of the producer's. Headers survive JetStream's re-publish
 * to `live.>`, so a stored event's context reaches the notifier too.
 */
const setter: TextMapSetter<MsgHdrs> = {
  set: (h, key, value) => h.set(key, value),
};

const getter: TextMapGetter<MsgHdrs | undefined> = {
  get: (h, key) => {
    if (!h) return undefined;
    // Header names are case-insensitive on the wire (W3C names them in lower case).
    const name = h.keys().find((k) => k.toLowerCase() === key);
    const value = name === undefined ? '' : h.get(name);
    return value === '' ? undefined : value;
  },
  keys: (h) => (h ? h.keys() : []),
};

/** Headers carrying `ctx` (the current context by default); into `h` when given, else new ones. */
export function injectTraceHeaders(ctx: Context = context.active(), h: MsgHdrs = natsHeaders()): MsgHdrs {
  propagation.inject(ctx, h, setter);
  return h;
}

/** The producer's context from a message's headers: the parent of the consumer's span (ROOT when there is none or it is garbage). */
export function traceContextOf(h: MsgHdrs | undefined): Context {
  return propagation.extract(ROOT_CONTEXT, h, getter);
}

/**
 * The subject as a low-cardinality pattern for span names: the tenant and session ids
 * of `evt|live|cmd|presence.<tenant>.<session>.…` become `*` (they are attributes).
 */
export function subjectTemplate(subject: string): string {
  const parts = subject.split('.');
  if (parts.length >= 3 && ['evt', 'live', 'cmd', 'presence'].includes(parts[0])) return [parts[0], '*', '*', ...parts.slice(3)].join('.');
  return subject;
}

export type NatsOperation = 'publish' | 'request' | 'process';

/**
 * A span of one NATS message: `<operation> <subject template>` (e.g. `publish
 * evt.*.*.task.started`), PRODUCER for publish and request, CONSUMER for process, with
 * the messaging semantic-convention attributes.
 */
export function startNatsSpan(operation: NatsOperation, subject: string, parent: Context, attributes: Attributes = {}): Span {
  const template = subjectTemplate(subject);
  return platformTracer().startSpan(
    `${operation} ${template}`,
    {
      kind: operation === 'process' ? SpanKind.CONSUMER : SpanKind.PRODUCER,
      attributes: {
        [ATTR.MESSAGING_SYSTEM]: 'nats',
        [ATTR.MESSAGING_OPERATION_TYPE]: operation === 'process' ? 'process' : 'send',
        [ATTR.MESSAGING_OPERATION_NAME]: operation,
        [ATTR.MESSAGING_DESTINATION]: subject,
        [ATTR.MESSAGING_DESTINATION_TEMPLATE]: template,
        ...attributes,
      },
    },
    parent,
  );
}

/** `ctx` with `span` current in it. */
export function withSpan(ctx: Context, span: Span): Context {
  return trace.setSpan(ctx, span);
}
