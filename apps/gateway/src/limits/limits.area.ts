import { APP_INTERCEPTOR } from '@nestjs/core';
import { getOptionsToken, getStorageToken } from '@nestjs/throttler';
import type { GatewayAreaFactory } from '../gateway-area';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyStore } from './idempotency.store';
import { limitsRedisProviders } from './limits-redis.provider';
import { RedisThrottlerStorage } from './redis-throttler.storage';
import { TenantRateLimits } from './tenant-rate-limits';
import { tenantThrottlerOptions } from './tenant-throttler.options';

/**
 * Per-tenant rate limits (@RateLimit on a route, @nestjs/throttler counting in Redis)
 * and Idempotency-Key on every POST (a global interceptor), on one named Redis client.
 *
 * The throttler's two providers (its options and its storage) are declared here rather
 * than through ThrottlerModule.forRootAsync: the limits are resolved per request from
 * TenantSettingsCache, a provider of the gateway module that ThrottlerModule's own
 * module could not inject. TenantThrottlerGuard finds them under the same tokens.
 */
export const limitsArea: GatewayAreaFactory = (config) => ({
  imports: [],
  controllers: [],
  providers: [
    ...limitsRedisProviders(config),
    RedisThrottlerStorage,
    TenantRateLimits,
    { provide: getOptionsToken(), useFactory: tenantThrottlerOptions, inject: [TenantRateLimits, RedisThrottlerStorage] },
    { provide: getStorageToken(), useExisting: RedisThrottlerStorage },
    IdempotencyStore,
    { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
  ],
});
