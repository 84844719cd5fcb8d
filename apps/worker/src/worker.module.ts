import { DynamicModule, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { SPEECH_QUEUE } from '@avatar/contracts';
import { createRedisClient, MessagingModule } from '@avatar/messaging';
import { PersistenceModule } from '@avatar/persistence';
import { WORKER_CONFIG, WorkerConfig } from './worker-config';
import { ProvidersModule } from './providers/providers.module';
import { ActiveSpeech } from './speech/active-speech';
import { SPEECH_QUEUE_CLIENT, SpeechOrder } from './speech/speech-order';
import { SpeechProcessor, WORKER_REDIS } from './speech/speech.processor';
import { RunSpeechTaskUseCase } from './speech/use-cases/run-speech-task.use-case';
import { SessionCommandsConsumer } from './sessions/session-commands.consumer';
import { InterruptSessionUseCase } from './sessions/use-cases/interrupt-session.use-case';
import { StartProviderSessionUseCase } from './sessions/use-cases/start-provider-session.use-case';
import { StopProviderSessionUseCase } from './sessions/use-cases/stop-provider-session.use-case';
import { ReleaseProviderSessionUseCase } from './sessions/use-cases/release-provider-session.use-case';
import { EventHistoryRecorder } from './events/event-history.recorder';

@Injectable()
class QueueShutdown implements OnApplicationShutdown {
  constructor(
    @Inject(SPEECH_QUEUE_CLIENT) private readonly queue: Queue,
    @Inject(WORKER_REDIS) private readonly redis: Redis,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** Speech tasks from BullMQ, session commands from NATS, the provider adapters. */
@Module({})
export class WorkerModule {
  static register(config: WorkerConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        PersistenceModule.forRoot(config.DATABASE_URL),
        MessagingModule.forRoot(() => ({ url: config.NATS_URL, name: 'worker', eventsMaxAgeSeconds: config.EVENTS_MAX_AGE_SECONDS })),
        ProvidersModule.register(config),
      ],
      providers: [
        { provide: WORKER_CONFIG, useValue: config },
        { provide: WORKER_REDIS, useFactory: () => createRedisClient(config.REDIS_URL, 'worker', 'consumer') },
        { provide: SPEECH_QUEUE_CLIENT, useFactory: (redis: Redis) => new Queue(SPEECH_QUEUE, { connection: redis }), inject: [WORKER_REDIS] },
        QueueShutdown,
        ActiveSpeech,
        SpeechOrder,
        SpeechProcessor,
        RunSpeechTaskUseCase,
        SessionCommandsConsumer,
        InterruptSessionUseCase,
        StartProviderSessionUseCase,
        StopProviderSessionUseCase,
        ReleaseProviderSessionUseCase,
        EventHistoryRecorder,
      ],
    };
  }
}
