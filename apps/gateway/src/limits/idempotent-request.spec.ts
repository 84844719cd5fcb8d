import { PlatformError, TenantScopes } from '@avatar/contracts';
import type { Principal } from '../auth/principal';
import { canonicalJson, idempotentRequestOf } from './idempotent-request';

const principal = (tenant: string): Principal => ({ tenant: TenantScopes.authenticated(tenant), keyId: 'k', scopes: new Set() });

function request(overrides: { method?: string; url?: string; key?: string | string[]; body?: unknown; query?: unknown; tenant?: string | null } = {}) {
  const { method = 'POST', url = '/v1/streaming.new', query = {}, tenant = 't1' } = overrides;
  // An explicit undefined means "none" (no header, no body), not the default.
  const key = 'key' in overrides ? overrides.key : 'key-1';
  const body = 'body' in overrides ? overrides.body : { quality: 'low' };
  return {
    method,
    url,
    headers: key === undefined ? {} : { 'idempotency-key': key },
    body,
    query,
    ...(tenant ? { principal: principal(tenant) } : {}),
  } as Parameters<typeof idempotentRequestOf>[0];
}

function validationError(run: () => unknown): PlatformError {
  try {
    run();
  } catch (err) {
    if (err instanceof PlatformError) return err;
  }
  throw new Error('expected a PlatformError');
}

describe('canonicalJson', () => {
  it('sorts object keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
  });

  it('tells no body apart from an empty object, and types apart', () => {
    expect(canonicalJson(undefined)).toBe('');
    expect(canonicalJson({})).toBe('{}');
    expect(canonicalJson({ n: 1 })).not.toBe(canonicalJson({ n: '1' }));
  });
});

describe('idempotentRequestOf', () => {
  it('scopes the key to the tenant, the method and the path', () => {
    const a = idempotentRequestOf(request())!;
    expect(a.recordKey).toBe('idempotency:tenant:t1:POST:/v1/streaming.new:key-1');
    expect(idempotentRequestOf(request({ tenant: 't2' }))!.recordKey).not.toBe(a.recordKey);
    expect(idempotentRequestOf(request({ url: '/v1/avatar.speak' }))!.recordKey).not.toBe(a.recordKey);
    expect(idempotentRequestOf(request({ url: '/v1/streaming.new?x=1' }))!.recordKey).toBe(a.recordKey);
  });

  it('scopes admin API requests to the operator', () => {
    expect(idempotentRequestOf(request({ url: '/admin/v1/tenants', tenant: null }))!.recordKey).toBe('idempotency:admin:POST:/admin/v1/tenants:key-1');
  });

  it('ignores requests it cannot scope, other methods and requests without a key', () => {
    expect(idempotentRequestOf(request({ tenant: null }))).toBeUndefined();
    expect(idempotentRequestOf(request({ method: 'GET' }))).toBeUndefined();
    expect(idempotentRequestOf(request({ key: undefined }))).toBeUndefined();
  });

  it('fingerprints the parsed request: key order does not matter, values and the query do', () => {
    const first = idempotentRequestOf(request({ body: { quality: 'low', avatar_id: 'a' } }))!.fingerprint;
    expect(idempotentRequestOf(request({ body: { avatar_id: 'a', quality: 'low' } }))!.fingerprint).toBe(first);
    expect(idempotentRequestOf(request({ body: { avatar_id: 'a', quality: 'high' } }))!.fingerprint).not.toBe(first);
    expect(idempotentRequestOf(request({ body: { quality: 'low', avatar_id: 'a' }, query: { x: '1' } }))!.fingerprint).not.toBe(first);
    expect(idempotentRequestOf(request({ body: undefined }))!.fingerprint).not.toBe(idempotentRequestOf(request({ body: {} }))!.fingerprint);
  });

  it.each([
    ['empty', ''],
    ['256 characters', 'k'.repeat(256)],
    ['a control character', 'key\u0001'],
    ['non-ASCII', 'clé'],
    ['sent twice', ['a', 'b']],
  ])('refuses a key that is %s with VALIDATION_ERROR', (_what, key) => {
    const err = validationError(() => idempotentRequestOf(request({ key })));
    expect(err.code).toBe('VALIDATION_ERROR');
    expect(err.details).toEqual({ fields: [{ field: 'Idempotency-Key', message: expect.any(String) }] });
    expect(idempotentRequestOf(request({ key }), true)).toBeUndefined();
  });

  it('accepts 255 printable ASCII characters, spaces included', () => {
    expect(idempotentRequestOf(request({ key: ' ~'.repeat(127) + 'x' }))).toBeDefined();
  });
});
