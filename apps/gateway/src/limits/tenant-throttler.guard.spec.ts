import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PlatformError, TenantScopes } from '@avatar/contracts';
import type { TenantSettingsCache } from '../tenancy/tenant-settings.cache';
import type { IdempotencyStore } from './idempotency.store';
import { RateLimit } from './rate-limit.decorator';
import type { RedisThrottlerStorage, ThrottlerRecord } from './redis-throttler.storage';
import { TenantRateLimits } from './tenant-rate-limits';
import { TenantThrottlerGuard } from './tenant-throttler.guard';
import { tenantThrottlerOptions } from './tenant-throttler.options';

class Routes {
  @RateLimit('sessions')
  create(): void {}

  @RateLimit('speak')
  speak(): void {}

  @RateLimit('chat')
  chat(): void {}

  list(): void {}
}

/** Fixed windows in memory: what RedisThrottlerStorage does in Redis (its int-spec checks that one). */
class CountingStorage {
  readonly calls: Array<{ key: string; ttl: number; limit: number }> = [];
  private readonly hits = new Map<string, number>();

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerRecord> {
    this.calls.push({ key, ttl, limit });
    const hits = this.hits.get(key) ?? 0;
    if (hits >= limit) return { totalHits: hits, timeToExpire: 42, isBlocked: true, timeToBlockExpire: 42 };
    this.hits.set(key, hits + 1);
    return { totalHits: hits + 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 };
  }
}

const LIMITS: Record<string, { sessions_per_minute: number; speak_per_minute: number; chat_per_minute: number }> = {
  small: { sessions_per_minute: 2, speak_per_minute: 3, chat_per_minute: 4 },
  other: { sessions_per_minute: 2, speak_per_minute: 3, chat_per_minute: 4 },
};

async function setup(options: { rateLimits?: 'on' | 'off'; taken?: boolean } = {}) {
  const storage = new CountingStorage();
  const settings = { settingsOf: jest.fn(async (tenant: string) => ({ limits: LIMITS[tenant] })) };
  const idempotency = { isTaken: jest.fn(async () => options.taken ?? false) };
  const reflector = new Reflector();
  const limits = new TenantRateLimits(reflector, settings as unknown as TenantSettingsCache);
  const guard = new TenantThrottlerGuard(
    tenantThrottlerOptions(limits, storage as unknown as RedisThrottlerStorage),
    storage as unknown as RedisThrottlerStorage,
    reflector,
    idempotency as unknown as IdempotencyStore,
    { RATE_LIMITS: options.rateLimits ?? 'on' },
  );
  await guard.onModuleInit();
  const call = async (route: keyof Routes, tenant: string | null, headers: Record<string, string> = {}) => {
    const replyHeaders: Record<string, string | number> = {};
    const request = { method: 'POST', url: `/v1/${route}`, headers, body: {}, query: {}, ...(tenant ? { principal: { tenant: TenantScopes.authenticated(tenant), keyId: 'k', scopes: new Set() } } : {}) };
    const reply = { header: (name: string, value: string | number) => (replyHeaders[name.toLowerCase()] = value) };
    const context = {
      getHandler: () => Routes.prototype[route],
      getClass: () => Routes,
      getType: () => 'http',
      switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
    } as unknown as ExecutionContext;
    const outcome = await guard.canActivate(context).then(
      (allowed) => ({ allowed, error: undefined }),
      (error: unknown) => ({ allowed: false, error: error as PlatformError }),
    );
    return { ...outcome, headers: replyHeaders };
  };
  return { call, storage, idempotency };
}

describe('TenantThrottlerGuard', () => {
  it("counts a route against the tenant's own limit for it, per tenant, and says so in RateLimit-* headers", async () => {
    const t = await setup();

    const first = await t.call('create', 'small');

    expect(first).toEqual({ allowed: true, error: undefined, headers: { 'ratelimit-limit': 2, 'ratelimit-remaining': 1, 'ratelimit-reset': 60 } });
    expect(t.storage.calls).toEqual([{ key: 'ratelimit:sessions:small', ttl: 60_000, limit: 2 }]);
    await t.call('speak', 'small');
    expect(t.storage.calls[1]).toEqual({ key: 'ratelimit:speak:small', ttl: 60_000, limit: 3 });
    // The chat limit is declared ahead of its route: tagging the route is all it takes.
    await t.call('chat', 'small');
    expect(t.storage.calls[2]).toEqual({ key: 'ratelimit:chat:small', ttl: 60_000, limit: 4 });
  });

  it('refuses the request over the limit with 429 RATE_LIMITED, its details, Retry-After and RateLimit-* headers', async () => {
    const t = await setup();
    await t.call('create', 'small');
    await t.call('create', 'small');

    const refused = await t.call('create', 'small');

    expect(refused.error).toBeInstanceOf(PlatformError);
    expect(refused.error!.status).toBe(429);
    expect(refused.error!.toEnvelope().error).toEqual({ code: 'RATE_LIMITED', message: expect.any(String), details: { limit: 2, window_seconds: 60, retry_after_seconds: 42 } });
    expect(refused.headers).toEqual({ 'retry-after': 42, 'ratelimit-limit': 2, 'ratelimit-remaining': 0, 'ratelimit-reset': 42 });
    // Another tenant has its own count.
    expect((await t.call('create', 'other')).allowed).toBe(true);
  });

  it('counts nothing on a route without @RateLimit, or for a request without a tenant', async () => {
    const t = await setup();

    expect((await t.call('list', 'small')).allowed).toBe(true);
    expect((await t.call('create', null)).allowed).toBe(true);

    expect(t.storage.calls).toEqual([]);
  });

  it('counts nothing with RATE_LIMITS=off', async () => {
    const t = await setup({ rateLimits: 'off' });

    for (let i = 0; i < 5; i++) expect((await t.call('create', 'small')).allowed).toBe(true);

    expect(t.storage.calls).toEqual([]);
  });

  it('does not count a request whose Idempotency-Key is already taken (a replay), and counts a new key', async () => {
    const replay = await setup({ taken: true });
    expect((await replay.call('create', 'small', { 'idempotency-key': 'k1' })).allowed).toBe(true);
    expect(replay.idempotency.isTaken).toHaveBeenCalledWith('idempotency:tenant:small:POST:/v1/create:k1');
    expect(replay.storage.calls).toEqual([]);

    const fresh = await setup({ taken: false });
    await fresh.call('create', 'small', { 'idempotency-key': 'k1' });
    expect(fresh.storage.calls).toHaveLength(1);
  });
});
