import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Provider } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { createRedisClient } from '@avatar/messaging';
import type { GatewayConfig } from '../gateway-config';

/** DI token of the Redis client holding rate-limit counters and idempotency records. */
export const LIMITS_REDIS = Symbol('LIMITS_REDIS');

/** Connection name in `CLIENT LIST`. */
export const LIMITS_REDIS_NAME = 'gateway:limits';

/** How long start-up waits for the connection before serving anyway (requests then answer 503 until it is up). */
const READY_WAIT_MS = 5000;

/**
 * The limits' own connection (BullMQ's connections block; the health probe's is the
 * probe's), with the gateway's fail-fast `producer` options: while Redis is down a
 * limited route answers 503 at once instead of hanging.
 */
@Injectable()
export class LimitsRedisLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('LimitsRedis');

  constructor(@Inject(LIMITS_REDIS) private readonly redis: Redis) {}

  /** With the offline queue off, a command sent before the connection is ready fails: wait for it. */
  async onApplicationBootstrap(): Promise<void> {
    if (this.redis.status === 'ready') return;
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), READY_WAIT_MS);
      this.redis.once('ready', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!ready) this.logger.warn(`Redis not ready after ${READY_WAIT_MS} ms: rate-limited and idempotent requests answer 503 until it is`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

export function limitsRedisProviders(config: GatewayConfig): Provider[] {
  return [{ provide: LIMITS_REDIS, useFactory: () => createRedisClient(config.REDIS_URL, LIMITS_REDIS_NAME, 'producer') }, LimitsRedisLifecycle];
}
