import { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { context, Span } from '@opentelemetry/api';
import { Command, CommandFailure, subjects, WORKER_QUEUE_GROUP } from '@avatar/contracts';
import { ATTR, failSpan, scopeAttributes } from '@avatar/observability';
import { injectTraceHeaders, startNatsSpan, traceContextOf, withSpan } from './nats-trace';
import { encodeJson } from './json-codec';
import { decodeCommand, decodeCommandReply, InvalidMessageError } from './message-validation';
import { SessionScope } from './event-publisher';

/** A command nobody answered in time, or whose handler failed. */
export class CommandError extends Error {
  constructor(
    readonly code: 'NO_WORKER' | 'TIMEOUT' | string,
    message: string,
    /** What the handler said about the failure (a provider error's kind, retryable, retry_after…). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

export type CommandHandler<Body, Reply> = (scope: SessionScope, body: Body) => Promise<Reply>;

/**
 * Commands to the workers over core NATS: `request` waits for one worker's reply
 * (queue group), `broadcast` reaches every worker. Trace context rides in headers.
 */
export class CommandBus {
  constructor(private readonly nc: NatsConnection) {}

  async request<Body, Reply>(scope: SessionScope, command: Command, body: Body, timeoutMs: number): Promise<Reply> {
    const span = startNatsSpan('request', subjects.command(scope.tenantId, scope.sessionId, command), context.active(), { ...scopeAttributes(scope), [ATTR.COMMAND]: command });
    try {
      return await this.requestIn<Body, Reply>(span, scope, command, body, timeoutMs);
    } catch (err) {
      failSpan(span, err);
      throw err;
    } finally {
      span.end();
    }
  }

  private async requestIn<Body, Reply>(span: Span, scope: SessionScope, command: Command, body: Body, timeoutMs: number): Promise<Reply> {
    let msg: Msg;
    try {
      msg = await this.nc.request(subjects.command(scope.tenantId, scope.sessionId, command), encodeJson(body), {
        timeout: timeoutMs,
        headers: traceHeaders(span),
      });
    } catch (err) {
      const text = String((err as Error)?.message ?? err);
      if (/no responders|503/i.test(text)) throw new CommandError('NO_WORKER', `no worker is running to handle ${command}`);
      if (/timeout/i.test(text)) throw new CommandError('TIMEOUT', `no worker answered ${command} within ${timeoutMs} ms`);
      throw err;
    }
    let reply: Reply | CommandFailure;
    try {
      reply = decodeCommandReply<Reply>(command, msg.data);
    } catch (err) {
      throw new CommandError('INVALID_REPLY', (err as Error).message);
    }
    if (reply && typeof reply === 'object' && 'error' in reply) {
      const failure = (reply as CommandFailure).error;
      throw new CommandError(failure.code, failure.message, failure.details);
    }
    return reply as Reply;
  }

  broadcast<Body>(scope: SessionScope, command: Command, body: Body): void {
    const span = startNatsSpan('publish', subjects.command(scope.tenantId, scope.sessionId, command), context.active(), { ...scopeAttributes(scope), [ATTR.COMMAND]: command });
    try {
      this.nc.publish(subjects.command(scope.tenantId, scope.sessionId, command), encodeJson(body), { headers: traceHeaders(span) });
    } catch (err) {
      failSpan(span, err);
      throw err;
    } finally {
      span.end();
    }
  }

  /**
   * Handles `command` for every tenant and session. With `exclusive`, the workers
   * share the subscription (queue group) and each command reaches one of them.
   */
  handle<Body, Reply>(command: Command, exclusive: boolean, handler: CommandHandler<Body, Reply>, onError: (err: unknown) => void): Subscription {
    return this.nc.subscribe(subjects.anyCommand(command), {
      queue: exclusive ? WORKER_QUEUE_GROUP : undefined,
      callback: (err, msg) => {
        if (err) return onError(err);
        void this.dispatch(msg, handler).catch(onError);
      },
    });
  }

  /**
   * Handles `command` for one session only, on this process alone (no queue group):
   * how the owner of a stateful vendor session takes its speech (docs/adr/0012).
   */
  handleSession<Body, Reply>(scope: SessionScope, command: Command, handler: CommandHandler<Body, Reply>, onError: (err: unknown) => void): Subscription {
    return this.nc.subscribe(subjects.command(scope.tenantId, scope.sessionId, command), {
      callback: (err, msg) => {
        if (err) return onError(err);
        void this.dispatch(msg, handler).catch(onError);
      },
    });
  }

  private async dispatch<Body, Reply>(msg: Msg, handler: CommandHandler<Body, Reply>): Promise<void> {
    const { tenantId, sessionId, rest } = subjects.parse(msg.subject);
    // The handler runs in a consumer span, child of the sender's span (headers).
    const parent = traceContextOf(msg.headers);
    const span = startNatsSpan('process', msg.subject, parent, { ...scopeAttributes({ tenantId, sessionId }), [ATTR.COMMAND]: rest });
    await context.with(withSpan(parent, span), async () => {
      try {
        // Parsed with the command's schema: an invalid body is answered as a failure (INVALID_MESSAGE).
        const reply = await handler({ tenantId, sessionId }, decodeCommand<Body>(msg.subject, msg.data));
        if (msg.reply) msg.respond(encodeJson(reply ?? {}));
      } catch (err) {
        failSpan(span, err);
        const details = (err as { toDetails?: () => Record<string, unknown> }).toDetails?.();
        const failure: CommandFailure = {
          error: { code: (err as { code?: string }).code ?? 'COMMAND_FAILED', message: String((err as Error)?.message ?? err), ...(details ? { details } : {}) },
        };
        if (msg.reply) msg.respond(encodeJson(failure));
        // A refused command is logged (without its content) even when it was answered.
        if (!msg.reply || err instanceof InvalidMessageError) throw err;
      }
    }).finally(() => span.end());
  }
}

/** Headers carrying the command span's context (OpenTelemetry propagator). */
function traceHeaders(span: Span) {
  return injectTraceHeaders(withSpan(context.active(), span));
}
