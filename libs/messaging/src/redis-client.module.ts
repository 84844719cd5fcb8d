import { DynamicModule, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { createRedisClient } from './redis-connection';

/** DI token of an app's own Redis client (health probes, leases; BullMQ has its own). */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

@Injectable()
class RedisClientShutdown implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

@Module({})
export class RedisClientModule {
  static forRoot(redisUrl: string, name: string, role: 'consumer' | 'producer'): DynamicModule {
    return {
      module: RedisClientModule,
      providers: [{ provide: REDIS_CLIENT, useFactory: () => createRedisClient(redisUrl, name, role) }, RedisClientShutdown],
      exports: [REDIS_CLIENT],
    };
  }
}
