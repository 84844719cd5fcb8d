import { DynamicModule, Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { SPEECH_QUEUE } from '@avatar/contracts';
import { MessagingModule, RedisClientModule, redisConnectionOptions } from '@avatar/messaging';
import { PersistenceModule } from '@avatar/persistence';
import { SpeechModule } from '@avatar/speech';
import { WORKER_CONFIG, WorkerConfig } from './worker-config';
import { providersArea } from './providers/providers.area';
import { credentialCipherProvider } from '@avatar/tenancy';
import { ActiveSpeech } from './speech/active-speech';
import { SpeechOrder } from './speech/speech-order';
import { registerSpeechProcessor } from './speech/speech.processor';
import { InterruptWatch } from './speech/interrupt-watch';
import { SpeechReconciler } from './speech/speech-reconciler';
import { RunSpeechTaskUseCase } from './speech/use-cases/run-speech-task.use-case';
import { SessionCommandsConsumer } from './sessions/session-commands.consumer';
import { InterruptSessionUseCase } from './sessions/use-cases/interrupt-session.use-case';
import { StartProviderSessionUseCase } from './sessions/use-cases/start-provider-session.use-case';
import { StopProviderSessionUseCase } from './sessions/use-cases/stop-provider-session.use-case';
import { ReleaseProviderSessionUseCase } from './sessions/use-cases/release-provider-session.use-case';
import { EventHistoryRecorder } from './events/event-history.recorder';
import { ReapSessionsUseCase } from './sessions/reaper/reap-sessions.use-case';
import { RecordPresenceUseCase } from './sessions/reaper/record-presence.use-case';
import { SessionLifecycleScheduler } from './sessions/reaper/session-lifecycle.scheduler';
import { quotasArea } from './quotas/quotas.area';
import { webhooksArea } from './webhooks/webhooks.area';
import { audioArea } from './audio/audio.area';
import { opsArea } from './metrics/ops.area';

/** Speech tasks from BullMQ, session commands from NATS, the provider adapters (providers area), client audio commits (audio area). */
@Module({})
export class WorkerModule {
  static register(config: WorkerConfig): DynamicModule {
    const areas = [providersArea(config), quotasArea(config), webhooksArea(config), audioArea(config), opsArea(config)];
    return {
      module: WorkerModule,
      imports: [
        PersistenceModule.forRoot(config.DATABASE_URL),
        MessagingModule.forRoot(() => ({ url: config.NATS_URL, name: 'worker', eventsMaxAgeSeconds: config.EVENTS_MAX_AGE_SECONDS, user: config.NATS_USER, password: config.NATS_PASSWORD })),
        SpeechModule,
        // BullMQ opens (and on shutdown closes) its own connections from these options.
        BullModule.forRoot({ connection: redisConnectionOptions(config.REDIS_URL, 'worker', 'consumer') }),
        BullModule.registerQueue({ name: SPEECH_QUEUE }),
        RedisClientModule.forRoot(config.REDIS_URL, 'worker', 'consumer'),
        ...areas.flatMap((area) => area.imports ?? []),
      ],
      // The small HTTP port's probes and metrics (ops area).
      controllers: areas.flatMap((area) => area.controllers ?? []),
      providers: [
        { provide: WORKER_CONFIG, useValue: config },
        // Opens tenants' vendor credentials (providers) and webhook secrets.
        credentialCipherProvider(config),
        ActiveSpeech,
        SpeechOrder,
        registerSpeechProcessor(config),
        InterruptWatch,
        SpeechReconciler,
        RunSpeechTaskUseCase,
        SessionCommandsConsumer,
        InterruptSessionUseCase,
        StartProviderSessionUseCase,
        StopProviderSessionUseCase,
        ReleaseProviderSessionUseCase,
        EventHistoryRecorder,
        ReapSessionsUseCase,
        RecordPresenceUseCase,
        SessionLifecycleScheduler,
        ...areas.flatMap((area) => area.providers ?? []),
      ],
    };
  }
}
