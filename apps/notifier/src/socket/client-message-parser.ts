import { ClientMessage, WS_ERROR_CODES, CLIENT_MESSAGE_TYPES } from '@avatar/contracts';

/** The pseudo-event a message that is not a valid client message is routed to. */
export const INVALID_MESSAGE_EVENT = '__invalid_message__';

export interface InvalidMessage {
  code: string;
  message: string;
}

/**
 * Maps the reference protocol (`{"type": "interrupt", ...}`) onto `{event, data}`
 * routing. Anything unparsable, unknown or malformed is routed to
 * INVALID_MESSAGE_EVENT, so the client gets an `error` event instead of silence.
 */
export function parseClientMessage(raw: unknown): { event: string; data: unknown } {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.isBuffer(raw) ? raw.toString('utf8') : String(raw));
  } catch {
    return invalid(WS_ERROR_CODES.INVALID_MESSAGE, 'message is not valid JSON');
  }
  const type = (json as { type?: unknown } | null)?.type;
  if (typeof type !== 'string') return invalid(WS_ERROR_CODES.INVALID_MESSAGE, 'message has no "type"');
  if (!(CLIENT_MESSAGE_TYPES as readonly string[]).includes(type)) {
    return invalid(WS_ERROR_CODES.UNKNOWN_MESSAGE_TYPE, `unknown message type "${type}" (expected one of: ${CLIENT_MESSAGE_TYPES.join(', ')})`);
  }
  const parsed = ClientMessage.safeParse(json);
  if (!parsed.success) {
    return invalid(WS_ERROR_CODES.INVALID_MESSAGE, `invalid ${type}: ${parsed.error.issues.map((i) => `${i.path.join('.') || type}: ${i.message}`).join('; ')}`);
  }
  return { event: parsed.data.type, data: parsed.data };
}

function invalid(code: string, message: string): { event: string; data: InvalidMessage } {
  return { event: INVALID_MESSAGE_EVENT, data: { code, message } };
}
