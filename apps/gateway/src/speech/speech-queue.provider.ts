import { BullModule, getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { SPEECH_QUEUE, SpeakJobData } from '@avatar/contracts';
import { RedisClientModule, redisConnectionOptions } from '@avatar/messaging';
import { GatewayConfig } from '@avatar/config';

export type SpeechQueue = Queue<SpeakJobData>;
/** DI token of the speech queue (what `@InjectQueue(SPEECH_QUEUE)` resolves). */
export const SPEECH_QUEUE_TOKEN = getQueueToken(SPEECH_QUEUE);

/**
 * The gateway produces speech jobs: BullMQ owns its Redis connection (fail-fast
 * producer options) and @nestjs/bullmq closes it on shutdown.
 */
export function speechQueueModules(config: GatewayConfig) {
  return [
    BullModule.forRoot({ connection: redisConnectionOptions(config.REDIS_URL, 'gateway', 'producer') }),
    BullModule.registerQueue({ name: SPEECH_QUEUE }),
    // The health probe's own client.
    RedisClientModule.forRoot(config.REDIS_URL, 'gateway', 'producer'),
  ];
}
