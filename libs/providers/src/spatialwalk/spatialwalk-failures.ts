import type { ProviderFailureKind } from '@avatar/contracts';
import { statusKind } from '../http/vendor-http';

/**
 * What SpatialWalk's refusals mean as platform failure kinds. The vendor's SDKs
 * document the WebSocket upgrade statuses; the codes inside a SERVER_ERROR are not
 * published: they look like gRPC status codes (the SDK's own end-to-end test expects
 * 16, UNAUTHENTICATED, for refused egress credentials), so they are read that way,
 * with the message text as the better witness where it names the cause.
 */

/** An upgrade refused with an HTTP status (the SDKs' "v2 spec mapping"). */
export function upgradeFailureKind(status: number, body: string): ProviderFailureKind {
  // 404 is "Avatar not found" for an unknown avatar, else an app id the vendor does not know.
  if (status === 404) return /avatar/i.test(body) ? 'unknown_avatar' : 'auth';
  // 400: invalid session token; 401: expired session token.
  if (status === 400 || status === 401) return 'auth';
  return statusKind(status) ?? 'rejected';
}

/** Where a SERVER_ERROR arrived: answering configure-session, or during an utterance. */
export type ServerErrorPhase = 'configure' | 'speech';

const GRPC_CODE_KINDS: Record<number, ProviderFailureKind> = {
  3: 'rejected', // INVALID_ARGUMENT
  4: 'timeout', // DEADLINE_EXCEEDED
  7: 'auth', // PERMISSION_DENIED
  8: 'rate_limited', // RESOURCE_EXHAUSTED
  13: 'unavailable', // INTERNAL
  14: 'unavailable', // UNAVAILABLE
  16: 'auth', // UNAUTHENTICATED
};

export function serverErrorKind(code: number, text: string, phase: ServerErrorPhase): ProviderFailureKind {
  if (/avatar\b.*\bnot found|unknown avatar|no such avatar/i.test(text)) return 'unknown_avatar';
  if (/quota|credit|balance|insufficient/i.test(text)) return 'quota';
  if (/concurren|too many (sessions|connections)/i.test(text)) return 'concurrency_limit';
  if (/rate.?limit/i.test(text)) return 'rate_limited';
  if (/unauthori[sz]ed|unauthenticated|forbidden|session (token|key)|invalid token|expired token|token expired/i.test(text)) return 'auth';
  // NOT_FOUND answering configure can only be about the avatar the socket names.
  if (code === 5 && phase === 'configure') return 'unknown_avatar';
  return GRPC_CODE_KINDS[code] ?? 'rejected';
}

/** The console's answer to a token request: `{errors: [{status, code, title, detail}]}` on failure, even with a 200. */
export function tokenAnswerKind(status: number, body: unknown): ProviderFailureKind | undefined {
  const errors = (body as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  const first = errors[0] as { status?: unknown };
  const errorStatus = typeof first?.status === 'number' ? first.status : Number(first?.status);
  return statusKind(Number.isInteger(errorStatus) && errorStatus >= 400 ? errorStatus : status) ?? 'rejected';
}
