import type { z } from 'zod';
import { COMMAND_REPLY_SCHEMA, COMMAND_REPLY_SCHEMAS, COMMAND_SCHEMAS, CommandFailure, EventEnvelope, EventEnvelopeSchema, isCommand, subjects } from '@avatar/contracts';

/**
 * Everything received over NATS is parsed with a schema of the contracts lib before it
 * is used: a message that does not match is refused with an InvalidMessageError that
 * says what is wrong and where (the schema's paths), never what the message held (a
 * body may carry a user's text or a vendor token; a log line must not).
 */
export class InvalidMessageError extends Error {
  readonly code = 'INVALID_MESSAGE';

  constructor(message: string) {
    super(message);
    this.name = 'InvalidMessageError';
  }
}

const decoder = new TextDecoder();

/** JSON.parse, whose own error quotes the text: replaced by one that does not. */
function parseJson(data: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(decoder.decode(data));
  } catch {
    throw new InvalidMessageError(`${what} is not JSON (${data.length} bytes)`);
  }
}

/** The schema's complaints: paths and rules, never the values. */
function problems(error: z.ZodError): string {
  const shown = error.issues.slice(0, 3).map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`);
  return error.issues.length > 3 ? `${shown.join('; ')}; … (${error.issues.length} problems)` : shown.join('; ');
}

/** `data` as JSON parsed with `schema`, or an InvalidMessageError naming `what`. */
export function decodeWith<S extends z.ZodType>(schema: S, data: Uint8Array, what: string): z.infer<S> {
  const parsed = schema.safeParse(parseJson(data, what));
  if (!parsed.success) throw new InvalidMessageError(`${what} is invalid: ${problems(parsed.error)}`);
  return parsed.data;
}

/** The body of a command received on `subject` (`cmd.<tenant>.<session>.<command>`), parsed with its command's schema. */
export function decodeCommand<Body>(subject: string, data: Uint8Array): Body {
  const { rest: command } = subjects.parse(subject);
  if (!isCommand(command)) throw new InvalidMessageError(`unknown command ${command}`);
  return decodeWith(COMMAND_SCHEMAS[command], data, `${command} command`) as Body;
}

/** The reply to a command: its command's reply, or a CommandFailure. */
export function decodeCommandReply<Reply>(command: string, data: Uint8Array): Reply | CommandFailure {
  if (!isCommand(command)) throw new InvalidMessageError(`unknown command ${command}`);
  const body = parseJson(data, `reply to ${command}`);
  const schema = body !== null && typeof body === 'object' && 'error' in body ? COMMAND_REPLY_SCHEMAS.CommandFailure : COMMAND_REPLY_SCHEMA[command];
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new InvalidMessageError(`reply to ${command} is invalid: ${problems(parsed.error)}`);
  return parsed.data as Reply | CommandFailure;
}

/**
 * A session event received on `subject` (`evt.<t>.<s>.<type>` from the stream, or
 * `live.<t>.<s>.<type>`): a valid envelope whose tenant, session and event type are the
 * subject's (a publisher cannot file an event under another session than it names).
 */
export function decodeEventEnvelope(subject: string, data: Uint8Array): EventEnvelope {
  const envelope = decodeWith(EventEnvelopeSchema, data, `event on ${subject}`);
  const { tenantId, sessionId, rest } = subjects.parse(subject);
  if (envelope.tenant_id !== tenantId || envelope.session_id !== sessionId || envelope.event.type !== rest) {
    throw new InvalidMessageError(`event on ${subject} is invalid: its envelope names another tenant, session or type than its subject`);
  }
  return envelope;
}

/**
 * Logs refused messages without flooding: the first of a kind at once, then at most one
 * line per `intervalMs` with how many were refused meanwhile. A peer that sends garbage
 * at frame rate costs a line a minute, not thousands.
 */
export class RefusedMessages {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly warn: (line: string) => void,
    private readonly intervalMs = 60_000,
  ) {}

  report(kind: string, err: unknown, now = Date.now()): void {
    const reason = err instanceof InvalidMessageError ? err.message : `${kind}: ${(err as Error)?.message ?? String(err)}`;
    const seen = this.last.get(kind);
    if (seen && now - seen.at < this.intervalMs) {
      seen.suppressed++;
      return;
    }
    const more = seen?.suppressed ? ` (and ${seen.suppressed} more refused since the last report)` : '';
    this.last.set(kind, { at: now, suppressed: 0 });
    this.warn(`refused ${kind}: ${reason}${more}`);
  }
}
