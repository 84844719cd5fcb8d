import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';

/**
 * W3C trace context (https://www.w3.org/TR/trace-context/): enough to start or
 * continue a trace and hand it on through job data and NATS headers. Exporting spans
 * (OpenTelemetry) builds on this later; the wire format does not change.
 */
export interface TraceContext {
  traceId: string;
  spanId: string;
  sampled: boolean;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

export function parseTraceparent(header: string | undefined | null): TraceContext | undefined {
  const match = header ? TRACEPARENT.exec(header.trim().toLowerCase()) : null;
  if (!match || match[1] === ZERO_TRACE || match[2] === ZERO_SPAN) return undefined;
  return { traceId: match[1], spanId: match[2], sampled: (parseInt(match[3], 16) & 1) === 1 };
}

export function formatTraceparent(ctx: TraceContext): string {
  return `00-${ctx.traceId}-${ctx.spanId}-${ctx.sampled ? '01' : '00'}`;
}

/** A new span in the trace of `parent`, or the root of a new trace. */
export function childContext(parent?: TraceContext): TraceContext {
  return {
    traceId: parent?.traceId ?? randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    sampled: parent?.sampled ?? true,
  };
}

/** Continues the caller's trace from a traceparent header (or starts one). */
export function continueTrace(traceparent: string | undefined | null): TraceContext {
  return childContext(parseTraceparent(traceparent));
}

const storage = new AsyncLocalStorage<TraceContext>();

/** Runs `fn` with `ctx` as the current trace context of everything it awaits. */
export function runInTrace<T>(ctx: TraceContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

export function currentTrace(): TraceContext | undefined {
  return storage.getStore();
}

/** The traceparent to hand to the next hop: a child of the current context. */
export function outgoingTraceparent(): string | undefined {
  const current = currentTrace();
  return current ? formatTraceparent(childContext(current)) : undefined;
}
