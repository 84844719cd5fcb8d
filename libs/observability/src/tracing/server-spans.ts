import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { ROOT_CONTEXT, Span, SpanKind } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { contextFromTraceparent } from '../trace-context';

/**
 * The server span of each incoming HTTP request, as the http instrumentation started
 * it (its `requestHook` records it here, from the moment Node emits `request`, before
 * any Fastify hook): the gateway names it in every answer's `traceparent`, routes
 * included that fail before Nest sees them.
 */
const serverSpans = new WeakMap<IncomingMessage, Span>();

export function recordServerSpan(request: IncomingMessage, span: Span): void {
  serverSpans.set(request, span);
}

/**
 * For requests without a server span — probes the instrumentation skips, connections
 * refused before a request was parsed, an app started without the preload — a span
 * from a private provider with no processor: a real OpenTelemetry context (continuing
 * the caller's trace, same sampler rules) that is exported nowhere.
 */
const detached = new BasicTracerProvider().getTracer('avatar-untraced');
const detachedSpans = new WeakMap<IncomingMessage, Span>();

/** The span of this request: the instrumentation's, else an unexported one continuing the caller's `traceparent`. */
export function requestSpan(request: IncomingMessage | undefined, headers: IncomingHttpHeaders | undefined = request?.headers): Span {
  if (request) {
    const span = serverSpans.get(request) ?? detachedSpans.get(request);
    if (span) return span;
  }
  const incoming = headers?.traceparent;
  const span = detached.startSpan('untraced request', { kind: SpanKind.SERVER }, contextFromTraceparent(Array.isArray(incoming) ? incoming[0] : incoming, ROOT_CONTEXT));
  span.end(); // nothing records it: only its context is used
  if (request) detachedSpans.set(request, span);
  return span;
}
