import { ERROR_STATUS, ErrorCode, ErrorEnvelope } from './error-codes';

/**
 * A failure the client is meant to see. Use cases throw it; the gateway's exception
 * filter turns it into the envelope with the status that belongs to the code.
 */
export class PlatformError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'PlatformError';
  }

  static sessionNotFound(sessionId: string): PlatformError {
    return new PlatformError('SESSION_NOT_FOUND', 'The specified session does not exist', { session_id: sessionId });
  }

  static sessionNotActive(sessionId: string, status: string, hint = ''): PlatformError {
    return new PlatformError('SESSION_NOT_ACTIVE', `session is ${status}${hint}`, { session_id: sessionId, status });
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  toEnvelope(): ErrorEnvelope {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}
