import { Inject, Injectable, OnApplicationShutdown, Provider } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { SPEECH_QUEUE, SpeakJobData } from '@avatar/contracts';
import { createRedisClient } from '@avatar/messaging';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway-config';

export const REDIS_CLIENT = Symbol('REDIS_CLIENT');
export const SPEECH_QUEUE_TOKEN = Symbol('SPEECH_QUEUE');
export type SpeechQueue = Queue<SpeakJobData>;

export const redisClientProvider: Provider = {
  provide: REDIS_CLIENT,
  useFactory: (config: GatewayConfig): Redis => createRedisClient(config.REDIS_URL, 'gateway', 'producer'),
  inject: [GATEWAY_CONFIG],
};

export const speechQueueProvider: Provider = {
  provide: SPEECH_QUEUE_TOKEN,
  useFactory: (redis: Redis): SpeechQueue => new Queue<SpeakJobData>(SPEECH_QUEUE, { connection: redis }),
  inject: [REDIS_CLIENT],
};

@Injectable()
export class RedisShutdown implements OnApplicationShutdown {
  constructor(
    @Inject(SPEECH_QUEUE_TOKEN) private readonly queue: SpeechQueue,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
