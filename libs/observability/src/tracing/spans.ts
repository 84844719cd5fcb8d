import { Attributes, Context, context, Span, SpanKind, SpanStatusCode, trace, Tracer } from '@opentelemetry/api';

/**
 * The platform's own spans (the rest come from the http, undici, ioredis and pg
 * instrumentations). Attribute names follow the OpenTelemetry semantic conventions
 * where one exists (messaging.*), `avatar.*` otherwise. Ids only: never a text, audio,
 * key or token in an attribute.
 */
export const ATTR = {
  TENANT_ID: 'avatar.tenant_id',
  SESSION_ID: 'avatar.session_id',
  TASK_ID: 'avatar.task_id',
  TASK_SEQ: 'avatar.task.seq',
  TASK_KIND: 'avatar.task.kind',
  OUTCOME: 'avatar.outcome',
  ATTEMPT: 'avatar.attempt',
  PROVIDER: 'avatar.provider',
  EVENT_TYPE: 'avatar.event.type',
  EVENT_ID: 'avatar.event.id',
  COMMAND: 'avatar.command',
  CHAT_ENGINE: 'avatar.chat.engine',
  MESSAGING_SYSTEM: 'messaging.system',
  MESSAGING_OPERATION_TYPE: 'messaging.operation.type',
  MESSAGING_OPERATION_NAME: 'messaging.operation.name',
  MESSAGING_DESTINATION: 'messaging.destination.name',
  MESSAGING_DESTINATION_TEMPLATE: 'messaging.destination.template',
  MESSAGING_MESSAGE_ID: 'messaging.message.id',
} as const;

/** The tracer of the platform's own spans (a no-op until the tracing preload registers a provider). */
export function platformTracer(): Tracer {
  return trace.getTracer('avatar-platform');
}

/** Tenant and session of a span: how traces are found for one customer's session. */
export function scopeAttributes(scope: { tenantId: string; sessionId: string }): Attributes {
  return { [ATTR.TENANT_ID]: String(scope.tenantId), [ATTR.SESSION_ID]: scope.sessionId };
}

/** Marks a span failed with the error's class and message (messages here carry no secrets: ids, codes, vendor statuses). */
export function failSpan(span: Span, err: unknown): void {
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}

/**
 * Runs `fn` inside a new span (current while it runs, ended when its promise settles,
 * failed when it throws). `parent` defaults to the current context.
 */
export function inSpan<T>(name: string, options: { kind?: SpanKind; attributes?: Attributes }, fn: (span: Span) => Promise<T>, parent: Context = context.active()): Promise<T> {
  return platformTracer().startActiveSpan(name, options, parent, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      failSpan(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/**
 * `iterable` with each step run in `ctx`: the work an async generator does between two
 * values (a streaming upstream call) belongs to the span in `ctx`, while what the
 * consumer does with each value stays in the consumer's own context.
 */
export async function* iterateIn<T>(iterable: AsyncIterable<T>, ctx: Context): AsyncGenerator<T> {
  const iterator = iterable[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      const step = await context.with(ctx, () => iterator.next());
      if (step.done) {
        finished = true;
        return;
      }
      yield step.value;
    }
  } finally {
    // Stopped early (break, throw): let the source clean up (cut its upstream request).
    if (!finished) await context.with(ctx, async () => iterator.return?.());
  }
}
