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
}

export type TokenCheck =
  | { ok: true; claims: SessionTokenClaims }
  | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' | 'wrong_session' };

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

function sign(input: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(input).digest();
}

export function signSessionToken(
  input: { tenantId: string; sessionId: string; ttlSeconds: number },
  secret: string,
  now: number = Date.now(),
): string {
  const iat = Math.floor(now / 1000);
  const claims: SessionTokenClaims = { tid: input.tenantId, sid: input.sessionId, iat, exp: iat + input.ttlSeconds };
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
  if (claims.exp * 1000 <= now) return { ok: false, reason: 'expired' };
  if (claims.sid !== expectedSessionId) return { ok: false, reason: 'wrong_session' };
  return { ok: true, claims };
}
