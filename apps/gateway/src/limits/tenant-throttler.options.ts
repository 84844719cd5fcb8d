import type { ThrottlerModuleOptions } from '@nestjs/throttler';
import type { RedisThrottlerStorage } from './redis-throttler.storage';
import type { TenantRateLimits } from './tenant-rate-limits';

/**
 * @nestjs/throttler's options: one throttler whose limit and window are resolved per
 * request (the route's @RateLimit, the tenant's settings), tracked per tenant, counted
 * in Redis. Named `default` so the guard's headers carry no suffix (RateLimit-Limit…).
 */
export function tenantThrottlerOptions(limits: TenantRateLimits, storage: RedisThrottlerStorage): ThrottlerModuleOptions {
  return {
    throttlers: [{ name: 'default', limit: (context) => limits.limitOf(context), ttl: (context) => limits.windowMsOf(context), blockDuration: 0 }],
    storage,
    skipIf: (context) => !limits.appliesTo(context),
    getTracker: (request) => limits.trackerOf(request),
    generateKey: (context, tracker) => limits.counterKeyOf(context, tracker),
  };
}
