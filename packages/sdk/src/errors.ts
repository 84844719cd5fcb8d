import type { ErrorEnvelope } from './contracts';

/** An error the platform answered: its envelope's code, message and details, and the HTTP status. */
export class AvatarApiError extends Error {
  override readonly name = 'AvatarApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    /** Seconds the server asked to wait (Retry-After), when it did. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  static fromEnvelope(status: number, envelope: ErrorEnvelope, retryAfterSeconds?: number): AvatarApiError {
    return new AvatarApiError(status, envelope.error.code, envelope.error.message, envelope.error.details ?? {}, retryAfterSeconds);
  }
}

/**
 * A failure on the client's side: the platform was not reached (NETWORK_ERROR), did not
 * answer in time (TIMEOUT), answered something that is not the API (BAD_RESPONSE), or the
 * SDK was used in a way it cannot serve (e.g. NEEDS_API_KEY in browser mode).
 */
export class AvatarSdkError extends Error {
  override readonly name = 'AvatarSdkError';

  constructor(
    readonly code: 'NETWORK_ERROR' | 'TIMEOUT' | 'BAD_RESPONSE' | 'NOT_CONNECTED' | 'CONNECTION_CLOSED' | 'WAIT_TIMEOUT' | 'ABORTED',
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

/** True for an envelope `{"error": {"code", "message"}}`. */
export function isErrorEnvelope(value: unknown): value is ErrorEnvelope {
  const error = (value as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return typeof error?.code === 'string' && typeof error.message === 'string';
}
