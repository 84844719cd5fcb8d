import { headers, Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { Command, CommandFailure, subjects, TRACEPARENT_HEADER, WORKER_QUEUE_GROUP } from '@avatar/contracts';
import { continueTrace, outgoingTraceparent, runInTrace } from '@avatar/observability';
import { decodeJson, encodeJson } from './json-codec';
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
    let msg: Msg;
    try {
      msg = await this.nc.request(subjects.command(scope.tenantId, scope.sessionId, command), encodeJson(body), {
        timeout: timeoutMs,
        headers: traceHeaders(),
      });
    } catch (err) {
      const text = String((err as Error)?.message ?? err);
      if (/no responders|503/i.test(text)) throw new CommandError('NO_WORKER', `no worker is running to handle ${command}`);
      if (/timeout/i.test(text)) throw new CommandError('TIMEOUT', `no worker answered ${command} within ${timeoutMs} ms`);
      throw err;
    }
    const reply = decodeJson<Reply | CommandFailure>(msg.data);
    if (reply && typeof reply === 'object' && 'error' in reply) {
      const failure = (reply as CommandFailure).error;
      throw new CommandError(failure.code, failure.message, failure.details);
    }
    return reply as Reply;
  }

  broadcast<Body>(scope: SessionScope, command: Command, body: Body): void {
    this.nc.publish(subjects.command(scope.tenantId, scope.sessionId, command), encodeJson(body), { headers: traceHeaders() });
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
    const { tenantId, sessionId } = subjects.parse(msg.subject);
    const trace = continueTrace(msg.headers?.get(TRACEPARENT_HEADER));
    await runInTrace(trace, async () => {
      try {
        const reply = await handler({ tenantId, sessionId }, decodeJson<Body>(msg.data));
        if (msg.reply) msg.respond(encodeJson(reply ?? {}));
      } catch (err) {
        const details = (err as { toDetails?: () => Record<string, unknown> }).toDetails?.();
        const failure: CommandFailure = {
          error: { code: (err as { code?: string }).code ?? 'COMMAND_FAILED', message: String((err as Error)?.message ?? err), ...(details ? { details } : {}) },
        };
        if (msg.reply) msg.respond(encodeJson(failure));
        else throw err;
      }
    });
  }
}

function traceHeaders() {
  const h = headers();
  const traceparent = outgoingTraceparent();
  if (traceparent) h.set(TRACEPARENT_HEADER, traceparent);
  return h;
}
