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

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  toEnvelope(): ErrorEnvelope {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}
