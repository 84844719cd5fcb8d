import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { Context, context, ROOT_CONTEXT, Span, trace } from '@opentelemetry/api';
import { TRACEPARENT_HEADER } from '@avatar/contracts';
import { requestSpan, traceparentOf } from '@avatar/observability';

/**
 * Every answer names its trace in `traceparent`: the request's server span (started by
 * OpenTelemetry's http instrumentation before Fastify sees the request, continuing the
 * caller's `traceparent`), put on the reply by the first `onRequest` hook, before auth,
 * routing or validation can refuse it — 2xx, 400, 401, 404, 415, 503 alike. The hook
 * also names the span after its route (`POST /v1/avatar.speak`, `http.route`).
 */
export function registerTraceHook(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const span = requestSpan(request.raw);
    const route = request.routeOptions?.url;
    if (route && span.isRecording()) {
      span.setAttribute('http.route', route);
      span.updateName(`${request.method} ${route}`);
    }
    void reply.header(TRACEPARENT_HEADER, traceparentOfSpan(span));
    done();
  });
}

/** The context a request's handler runs in: its server span current. */
export function requestContext(request: IncomingMessage, base: Context = context.active()): Context {
  return trace.setSpan(base, requestSpan(request));
}

/** The `traceparent` answered for a request (or, with none, for the caller's trace continued or a new one). */
export function traceparentFor(request: IncomingMessage | undefined, headers?: IncomingHttpHeaders): string {
  return traceparentOfSpan(requestSpan(request, headers));
}

/** From the root context: an untraced probe's suppressed context must not silence its answer's header. */
function traceparentOfSpan(span: Span): string {
  return traceparentOf(trace.setSpan(ROOT_CONTEXT, span))!;
}
