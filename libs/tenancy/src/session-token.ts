import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The session access token a frontend uses on the WebSocket: a compact JWT (HS256),
 * bound to one tenant and one session, expiring. The gateway signs it, the notifier
 * verifies it with the same secret; no database look-up on connect.
 */
export interface SessionTokenClaims {
  /** tenant id */
  tid: string;
  /** session id */
  sid: string;
  /** issued at, expires at: seconds since the epoch */
  iat: number;
  exp: number;
  /**
   * The tenant's WebSocket messages per second per connection (its
   * ws_messages_per_second at signing time); absent = the notifier's default. Carried
   * in the token so the notifier needs no database or settings look-up on connect.
   */
  wsr?: number;
}

/** Bounds of the `wsr` claim (as TenantLimits.ws_messages_per_second). */
const MAX_WS_RATE = 10_000;

export type TokenCheck =
  | { ok: true; claims: SessionTokenClaims }
  | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' | 'wrong_session' };

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

function sign(input: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(input).digest();
}

export function signSessionToken(
  input: { tenantId: string; sessionId: string; ttlSeconds: number; wsMessagesPerSecond?: number },
  secret: string,
  now: number = Date.now(),
): string {
  const iat = Math.floor(now / 1000);
  const claims: SessionTokenClaims = { tid: input.tenantId, sid: input.sessionId, iat, exp: iat + input.ttlSeconds };
  if (input.wsMessagesPerSecond !== undefined) claims.wsr = input.wsMessagesPerSecond;
  const body = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${body}.${sign(body, secret).toString('base64url')}`;
}

export function verifySessionToken(token: string, secret: string, expectedSessionId: string, now: number = Date.now()): TokenCheck {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== HEADER) return { ok: false, reason: 'malformed' };
  const expected = sign(`${parts[0]}.${parts[1]}`, secret);
  const given = Buffer.from(parts[2], 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' };
  let claims: SessionTokenClaims;
  try {
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof claims.tid !== 'string' || typeof claims.sid !== 'string' || typeof claims.exp !== 'number') return { ok: false, reason: 'malformed' };
  if (claims.wsr !== undefined && !(Number.isInteger(claims.wsr) && claims.wsr >= 1 && claims.wsr <= MAX_WS_RATE)) return { ok: false, reason: 'malformed' };
  if (claims.exp * 1000 <= now) return { ok: false, reason: 'expired' };
  if (claims.sid !== expectedSessionId) return { ok: false, reason: 'wrong_session' };
  return { ok: true, claims };
}
