import { Context, context, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/**
 * W3C trace context (https://www.w3.org/TR/trace-context/) through OpenTelemetry: the
 * ids, the current context (AsyncLocalStorage, installed by the tracing preload) and the
 * `traceparent` wire format are OpenTelemetry's; nothing here makes ids of its own.
 *
 * The `traceparent` strings the platform keeps (the gateway's response header, a speech
 * task's row and its BullMQ job) are always W3C, whatever OTEL_PROPAGATORS says: they
 * are named `traceparent` in the API and in the database. NATS headers go through the
 * configured global propagator (libs/messaging nats-trace.ts).
 */
const w3c = new W3CTraceContextPropagator();

interface Carrier {
  traceparent?: string;
  tracestate?: string;
}

const setter = { set: (carrier: Carrier, key: string, value: string) => void ((carrier as Record<string, string>)[key] = value) };
const getter = {
  get: (carrier: Carrier, key: string) => (carrier as Record<string, string | undefined>)[key],
  keys: (carrier: Carrier) => Object.keys(carrier),
};

/** The `traceparent` of the span current in `ctx`, or undefined when there is none (tracing not started, a suppressed request). */
export function traceparentOf(ctx: Context = context.active()): string | undefined {
  const carrier: Carrier = {};
  w3c.inject(ctx, carrier, setter);
  return carrier.traceparent;
}

/**
 * A context whose parent is the span a `traceparent` names (a remote parent): start a
 * span in it to continue that trace. Malformed, all-zero or missing values give `base`
 * unchanged, so the span starts a trace of its own.
 */
export function contextFromTraceparent(traceparent: string | null | undefined, base: Context = ROOT_CONTEXT): Context {
  if (!traceparent) return base;
  return w3c.extract(base, { traceparent: traceparent.trim() }, getter);
}

/** The trace and span of the current span (for log lines), if a valid one is current. */
export function currentTrace(): { traceId: string; spanId: string; sampled: boolean } | undefined {
  const span = trace.getActiveSpan();
  if (!span) return undefined;
  const ctx = span.spanContext();
  if (!trace.isSpanContextValid(ctx)) return undefined;
  return { traceId: ctx.traceId, spanId: ctx.spanId, sampled: (ctx.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED };
}
