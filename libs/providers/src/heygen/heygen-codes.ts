import type { ProviderFailureKind } from '@avatar/contracts';

/** HeyGen's answer envelope on its v1 API: `code` 100 is success. */
export interface HeygenEnvelope<T> {
  code?: number;
  message?: string;
  data?: T;
}

export const HEYGEN_OK = 100;

/**
 * HeyGen's own error codes (in `{code, message}`, mostly with HTTP 400 or 401), by what
 * they mean to the platform. HeyGen publishes no complete list; where each one was seen:
 *  - 400006 "Session is not in correct state": HeyGen forum threads and client logs, for a
 *    task on a session that is not started or already closed.
 *  - 10001–10005 "Session state wrong: new/connecting/connected/closing/closed", 10006
 *    "Session not found", 10007 "Concurrent limit reached", 10012 "Avatar not found",
 *    10013 "Avatar not allowed", 10014 "Session full", 10015 "Trial API limit reached",
 *    400123 "Exceed rate limit", 40102 "Unauthorized": a public TypeScript HeyGen client's
 *    error table; "session state wrong: closed" is also what HeyGen answered an idle
 *    session in StreamingAvatarSDK issue #26.
 *  - 400112 "Unauthorized": HeyGen's answer to a bad key (HeyGen forum).
 */
const CODE_KINDS: Readonly<Record<number, ProviderFailureKind>> = {
  400006: 'session_ended',
  10001: 'session_ended',
  10002: 'session_ended',
  10003: 'session_ended',
  10004: 'session_ended',
  10005: 'session_ended',
  10006: 'session_ended',
  10007: 'concurrency_limit',
  10014: 'concurrency_limit',
  10012: 'unknown_avatar',
  10013: 'unknown_avatar',
  10015: 'quota',
  400123: 'rate_limited',
  40102: 'auth',
  400112: 'auth',
};

/**
 * VendorHttp's classify hook for HeyGen: a known code wins over the HTTP status; an
 * unknown non-success code in a 2xx answer is a refusal; otherwise the status decides.
 */
export function classifyHeygen(status: number, body: unknown): ProviderFailureKind | undefined {
  const code = (body as HeygenEnvelope<unknown> | undefined)?.code;
  if (typeof code !== 'number' || code === HEYGEN_OK) return undefined;
  const kind = CODE_KINDS[code];
  if (kind) return kind;
  return status >= 200 && status < 300 ? 'rejected' : undefined;
}
