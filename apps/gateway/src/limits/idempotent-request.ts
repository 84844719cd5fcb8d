import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ADMIN_PREFIX, IDEMPOTENCY_KEY_HEADER, IdempotencyKey, PlatformError } from '@avatar/contracts';
import type { Principal } from '../auth/principal';

/** A POST that carries an Idempotency-Key: where its record lives and what its request was. */
export interface IdempotentRequest {
  /** Redis key: scope (tenant or admin) + method + path + the client's key. */
  recordKey: string;
  /** sha256 of the canonical request (query and body), compared on a reuse of the key. */
  fingerprint: string;
}

type Request = Pick<FastifyRequest, 'method' | 'url' | 'headers' | 'body' | 'query'> & { principal?: Principal };

/**
 * The idempotency identity of a request, or undefined when it has none (not a POST,
 * no Idempotency-Key, or no authenticated caller to scope it to). A malformed key is a
 * VALIDATION_ERROR; `lenient` (the rate limiter's peek) ignores it instead.
 */
export function idempotentRequestOf(request: Request, lenient = false): IdempotentRequest | undefined {
  if (request.method !== 'POST') return undefined;
  const header = request.headers[IDEMPOTENCY_KEY_HEADER];
  if (header === undefined) return undefined;
  const parsed = IdempotencyKey.safeParse(header);
  if (!parsed.success) {
    if (lenient) return undefined;
    const message = Array.isArray(header) ? 'must be sent once' : parsed.error.issues[0].message;
    throw new PlatformError('VALIDATION_ERROR', `invalid Idempotency-Key header: ${message}`, { fields: [{ field: 'Idempotency-Key', message }] });
  }
  const path = request.url.split('?')[0];
  const scope = idempotencyScopeOf(request, path);
  if (!scope) return undefined;
  return {
    recordKey: `idempotency:${scope}:${request.method}:${path}:${parsed.data}`,
    fingerprint: createHash('sha256').update(`${canonicalJson(request.query)}\n${canonicalJson(request.body)}`).digest('hex'),
  };
}

/** Whose keys these are: the authenticated tenant (its keys are its own), or the operator of the admin API. */
function idempotencyScopeOf(request: Request, path: string): string | undefined {
  if (request.principal) return `tenant:${request.principal.tenant}`;
  // Interceptors run after the guards: a request on /admin/v1 got here with the admin token.
  if (path.startsWith(`/${ADMIN_PREFIX}/`)) return 'admin';
  return undefined;
}

/**
 * The request body as a canonical string: the parsed JSON value re-serialised with
 * every object's keys sorted (recursively) and no whitespace. So whitespace, key order
 * and number spelling (1.0, 1e0 and 1 are one number) do not make a body different;
 * array order, string contents and types do. No body at all is the empty string
 * (not the same as `{}`).
 */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return '';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
}
