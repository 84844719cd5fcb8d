import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { TRACEPARENT_HEADER } from '@avatar/contracts';
import { continueTrace, formatTraceparent, TraceContext } from '@avatar/observability';

const traces = new WeakMap<IncomingMessage, TraceContext>();

/**
 * Every request starts or continues a W3C trace the moment it arrives (the first
 * `onRequest` hook), before auth, routing or validation can refuse it, so every answer
 * names it: 2xx, 400, 401, 404, 415, 503 alike.
 */
export function registerTraceHook(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const trace = continueTrace(request.headers[TRACEPARENT_HEADER] as string | undefined);
    traces.set(request.raw, trace);
    void reply.header(TRACEPARENT_HEADER, formatTraceparent(trace));
    done();
  });
}

/** The trace the hook gave this request, if it got that far. */
export function requestTrace(request: IncomingMessage | undefined): TraceContext | undefined {
  return request ? traces.get(request) : undefined;
}
