/** Every error code a client can receive, with the HTTP status it travels with. */
export const ERROR_STATUS = {
  VALIDATION_ERROR: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  SESSION_NOT_FOUND: 404,
  TASK_NOT_FOUND: 404,
  NOT_FOUND: 404,
  REQUEST_TIMEOUT: 408,
  SESSION_NOT_ACTIVE: 409,
  /** Another request with the same Idempotency-Key is still running. */
  IDEMPOTENCY_IN_PROGRESS: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** The same Idempotency-Key was used with a different request. */
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  /** A tenant quota (concurrent sessions, queued tasks, monthly minutes) is used up: 429, like a rate limit, because it frees up. */
  QUOTA_EXCEEDED: 429,
  INTERNAL_ERROR: 500,
  PROVIDER_ERROR: 502,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** The error envelope of every non-2xx answer: `{"error":{"code","message","details"}}`. */
export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; details: Record<string, unknown> };
}

/** Error codes of `error` events on the WebSocket (not HTTP statuses). */
export const WS_ERROR_CODES = {
  INVALID_MESSAGE: 'INVALID_MESSAGE',
  UNKNOWN_MESSAGE_TYPE: 'UNKNOWN_MESSAGE_TYPE',
  UNSUPPORTED_MESSAGE: 'UNSUPPORTED_MESSAGE',
  COMMAND_FAILED: 'COMMAND_FAILED',
  /** More than the tenant's messages per second (default WS_MAX_MESSAGES_PER_SECOND): the excess is dropped (then the socket is closed with 1008). */
  RATE_LIMITED: 'RATE_LIMITED',
} as const;
export type WsErrorCode = (typeof WS_ERROR_CODES)[keyof typeof WS_ERROR_CODES];
