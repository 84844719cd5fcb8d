import { Logger } from '@nestjs/common';
import { apiKeySubjects, ApiKeyRevoked, TenantScopes } from '@avatar/contracts';
import { encodeJson } from '@avatar/messaging';
import type { ApiKeyIdentity, TenantsRepository } from '@avatar/persistence';
import { fakeNatsConnection } from '@avatar/testing';
import type { GatewayConfig } from '../gateway-config';
import { ApiKeyCache, KEY_TOUCH_DELAY_MS, KEY_TOUCH_INTERVAL_MS } from './api-key-cache';
import type { Principal } from './principal';

const TTL = 60_000;
const ALL_SCOPES = ['sessions:write', 'sessions:read', 'usage:read'];

const identity = (keyId: string, tenantId = 'tenant-1', overrides: Partial<ApiKeyIdentity> = {}): ApiKeyIdentity => ({
  keyId,
  tenantId,
  scopes: ALL_SCOPES,
  expiresAt: null,
  ...overrides,
});

/**
 * The cache over a fake TenantsRepository whose keys the test changes (`keys`: hash →
 * identity; a hash that is absent is unknown, revoked or expired as the database would say).
 */
function setup(initial: Record<string, ApiKeyIdentity> = { h1: identity('k1') }) {
  const keys = new Map(Object.entries(initial));
  const tenants = {
    authenticate: jest.fn(async (hash: string) => keys.get(hash) ?? null),
    touchKey: jest.fn(async (_keyId: string) => undefined),
  };
  const nats = fakeNatsConnection();
  const cache = new ApiKeyCache(tenants as unknown as TenantsRepository, nats.nc, { API_KEY_CACHE_TTL_MS: TTL } as GatewayConfig);
  cache.onApplicationBootstrap();
  const announce = (tenantId: string, body: ApiKeyRevoked | unknown) => nats.deliver(apiKeySubjects.anyRevoked(), apiKeySubjects.revoked(tenantId), encodeJson(body));
  const announceRaw = (tenantId: string, data: Uint8Array) => nats.deliver(apiKeySubjects.anyRevoked(), apiKeySubjects.revoked(tenantId), data);
  return { cache, keys, tenants, nc: { subscribe: nats.subscribe }, announce, announceRaw, connection: nats.connection };
}

const principal = (keyId: string): Principal => ({ tenant: TenantScopes.ofRecord('tenant-1'), keyId, scopes: new Set(['sessions:read']) });

/** Lets a background write (and its .catch) settle. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

afterEach(() => jest.restoreAllMocks());

describe('ApiKeyCache', () => {
  describe('principalFor', () => {
    it('answers the principal of a live key: its tenant, its key id and its known scopes', async () => {
      const t = setup({ h1: identity('k1', 'tenant-1', { scopes: ['sessions:read', 'usage:read', 'root:everything'] }) });

      const found = await t.cache.principalFor('h1');

      expect(t.tenants.authenticate).toHaveBeenCalledWith('h1');
      expect(found).toEqual({ tenant: 'tenant-1', keyId: 'k1', scopes: new Set(['sessions:read', 'usage:read']) });
    });

    it('looks a key up once and answers from memory until the TTL runs out', async () => {
      const t = setup();

      expect((await t.cache.principalFor('h1', 1_000))?.keyId).toBe('k1');
      expect((await t.cache.principalFor('h1', 1_000 + TTL - 1))?.keyId).toBe('k1');
      expect(t.tenants.authenticate).toHaveBeenCalledTimes(1);

      await t.cache.principalFor('h1', 1_000 + TTL);
      expect(t.tenants.authenticate).toHaveBeenCalledTimes(2);
    });

    it("remembers a rotated key no longer than its expires_at, even if the TTL is longer", async () => {
      const t = setup({ old: identity('k-old', 'tenant-1', { expiresAt: new Date(1_000 + 5_000) }) });

      expect(await t.cache.principalFor('old', 1_000)).not.toBeNull();
      expect(await t.cache.principalFor('old', 1_000 + 4_999)).not.toBeNull();
      expect(t.tenants.authenticate).toHaveBeenCalledTimes(1);

      // The grace is over: the database no longer answers it, and the cache asks again.
      t.keys.delete('old');
      expect(await t.cache.principalFor('old', 1_000 + 5_000)).toBeNull();
      expect(t.tenants.authenticate).toHaveBeenCalledTimes(2);
    });

    it('does not remember an unknown key: a key created a moment later works at once', async () => {
      const t = setup({});

      expect(await t.cache.principalFor('h1')).toBeNull();
      t.keys.set('h1', identity('k1'));
      expect((await t.cache.principalFor('h1'))?.keyId).toBe('k1');
      expect(t.tenants.authenticate).toHaveBeenCalledTimes(2);
    });
  });

  describe('revocations on NATS', () => {
    it('listens on every tenant’s revocation subject', () => {
      const t = setup();
      expect(t.nc.subscribe).toHaveBeenCalledWith(apiKeySubjects.anyRevoked(), expect.anything());
    });

    it('forgets the key named by key_hash at once, and only that key', async () => {
      const t = setup({ h1: identity('k1'), h2: identity('k2') });
      await t.cache.principalFor('h1');
      await t.cache.principalFor('h2');

      t.keys.delete('h1');
      t.announce('tenant-1', { key_hash: 'h1' });

      expect(await t.cache.principalFor('h1')).toBeNull();
      expect((await t.cache.principalFor('h2'))?.keyId).toBe('k2');
      expect(t.tenants.authenticate).toHaveBeenCalledTimes(3);
    });

    it("forgets every key of the tenant on {all_keys:true}, and no other tenant's key", async () => {
      const t = setup({ a1: identity('ka1', 'tenant-a'), a2: identity('ka2', 'tenant-a'), b1: identity('kb1', 'tenant-b') });
      for (const hash of ['a1', 'a2', 'b1']) await t.cache.principalFor(hash);
      expect(t.tenants.authenticate).toHaveBeenCalledTimes(3);

      // The tenant was disabled: the database answers none of its keys any more.
      t.keys.delete('a1');
      t.keys.delete('a2');
      t.announce('tenant-a', { all_keys: true });

      expect(await t.cache.principalFor('a1')).toBeNull();
      expect(await t.cache.principalFor('a2')).toBeNull();
      expect((await t.cache.principalFor('b1'))?.keyId).toBe('kb1');
      expect(t.tenants.authenticate.mock.calls.map(([hash]) => hash)).toEqual(['a1', 'a2', 'b1', 'a1', 'a2']);
    });

    it('ignores a malformed revocation message, forgetting nothing', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const t = setup();
      await t.cache.principalFor('h1');

      expect(() => t.announce('tenant-1', { key_hash: undefined })).not.toThrow();
      expect(() => t.announce('tenant-1', { all_keys: false })).not.toThrow();
      expect(() => t.announce('tenant-1', {})).not.toThrow();
      expect(() => t.announceRaw('tenant-1', new TextEncoder().encode('not json'))).not.toThrow();

      await t.cache.principalFor('h1');
      expect(t.tenants.authenticate).toHaveBeenCalledTimes(1);
      expect(warn).toHaveBeenCalledTimes(4);
    });

    it('forgets every key when NATS reconnects (a revocation may have been published meanwhile), and only then', async () => {
      jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const t = setup({ h1: identity('k1'), h2: identity('k2', 'tenant-2') });
      await t.cache.principalFor('h1');
      await t.cache.principalFor('h2');

      await t.connection('disconnect');
      await t.cache.principalFor('h1');
      expect(t.tenants.authenticate).toHaveBeenCalledTimes(2);

      await t.connection('reconnect');
      await t.cache.principalFor('h1');
      await t.cache.principalFor('h2');
      expect(t.tenants.authenticate).toHaveBeenCalledTimes(4);
    });
  });

  describe('noteUse', () => {
    beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] }));
    afterEach(() => jest.useRealTimers());
    /** The background write happens KEY_TOUCH_DELAY_MS after the use it records. */
    const flush = async () => {
      jest.advanceTimersByTime(KEY_TOUCH_DELAY_MS);
      await settle();
    };

    it(`writes last_used_at at most once per ${KEY_TOUCH_INTERVAL_MS} ms per key, ${KEY_TOUCH_DELAY_MS} ms after the use`, async () => {
      const t = setup();

      t.cache.noteUse(principal('k1'), 0);
      t.cache.noteUse(principal('k1'), KEY_TOUCH_INTERVAL_MS - 1);
      // Not during the request it records: its own statements go first.
      expect(t.tenants.touchKey).not.toHaveBeenCalled();
      jest.advanceTimersByTime(KEY_TOUCH_DELAY_MS - 1);
      expect(t.tenants.touchKey).not.toHaveBeenCalled();
      await flush();
      expect(t.tenants.touchKey.mock.calls).toEqual([['k1']]);

      // Another key has its own minute.
      t.cache.noteUse(principal('k2'), 10);
      await flush();
      expect(t.tenants.touchKey.mock.calls).toEqual([['k1'], ['k2']]);

      t.cache.noteUse(principal('k1'), KEY_TOUCH_INTERVAL_MS);
      await flush();
      expect(t.tenants.touchKey.mock.calls).toEqual([['k1'], ['k2'], ['k1']]);
    });

    it('only logs a failed write: the request goes on, nothing is thrown or left unhandled', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const t = setup();
      t.tenants.touchKey.mockRejectedValue(new Error('database down'));

      expect(() => t.cache.noteUse(principal('k1'), 0)).not.toThrow();
      await flush();

      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/k1.*database down/));
    });
  });
});
