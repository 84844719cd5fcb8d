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
  /** The vendor refused the request, or failed in a way no other code names. */
  PROVIDER_ERROR: 502,
  /** The session names a provider this platform has no credentials for (neither the tenant's nor the platform's). */
  PROVIDER_NOT_CONFIGURED: 422,
  /** The platform's (or tenant's) credentials were refused by the vendor. */
  PROVIDER_AUTH_FAILED: 502,
  /** The vendor does not know the avatar or voice. */
  PROVIDER_UNKNOWN_AVATAR: 422,
  /** The vendor account's credits or plan are used up. */
  PROVIDER_QUOTA_EXCEEDED: 503,
  /** The vendor account runs as many sessions as it may. */
  PROVIDER_CAPACITY: 503,
  /** The vendor asked to slow down: Retry-After says when to try again. */
  PROVIDER_RATE_LIMITED: 429,
  /** The vendor did not answer in time. */
  PROVIDER_TIMEOUT: 504,
  /** The vendor could not be reached or failed on its side. */
  PROVIDER_UNAVAILABLE: 503,
  /** The vendor ended the session by itself. */
  PROVIDER_SESSION_ENDED: 502,
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
  COMMAND_FAILED: 'COMMAND_FAILED',
  /** More than the tenant's messages per second (default WS_MAX_MESSAGES_PER_SECOND): the excess is dropped (then the socket is closed with 1008). */
  RATE_LIMITED: 'RATE_LIMITED',
  /** The client reads too slowly: frames and audio were dropped for it meanwhile (the message says how many). */
  MEDIA_DROPPED: 'MEDIA_DROPPED',
  /** audio_buffer_append would take the session's buffer past its bound (seconds or bytes): the chunk was refused, the buffer kept. */
  AUDIO_BUFFER_FULL: 'AUDIO_BUFFER_FULL',
  /** The audio of an audio_buffer_append is not PCM s16le mono or a mono 16-bit WAV, or its sample rate is out of range. */
  AUDIO_INVALID: 'AUDIO_INVALID',
  /** audio_buffer_commit with nothing buffered. */
  AUDIO_BUFFER_EMPTY: 'AUDIO_BUFFER_EMPTY',
  /** The session's provider speaks text only: it cannot speak committed audio. */
  AUDIO_NOT_SUPPORTED: 'AUDIO_NOT_SUPPORTED',
  /** The session is not active (not started yet, or stopped): nothing can be spoken. */
  SESSION_NOT_ACTIVE: 'SESSION_NOT_ACTIVE',
  /** Too many tasks queued in the session (the tenant's max_queued_tasks_per_session). */
  QUOTA_EXCEEDED: 'QUOTA_EXCEEDED',
} as const;
export type WsErrorCode = (typeof WS_ERROR_CODES)[keyof typeof WS_ERROR_CODES];
