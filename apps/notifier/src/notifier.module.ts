import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AudioBufferStore, MessagingModule, REDIS_CLIENT, RedisClientModule } from '@avatar/messaging';
import type { Redis } from 'ioredis';
import { AUDIO_BUFFER_STORE, AudioInput } from './audio/audio-input';
import { ListeningRelay } from './listening/listening-relay';
import { NOTIFIER_CONFIG, NotifierConfig } from './notifier-config';
import { SessionHub } from './relay/session-hub';
import { SessionGateway } from './socket/session.gateway';
import { HealthController } from './health/health.controller';
import { MetricsController } from './metrics/metrics.controller';
import { SocketMetrics } from './metrics/socket-metrics';
import { ObservabilityModule } from '@avatar/observability';

/** The WebSocket server: session events out, client commands in. */
@Module({})
export class NotifierModule {
  static register(config: NotifierConfig): DynamicModule {
    return {
      module: NotifierModule,
      imports: [
        MessagingModule.forRoot(() => ({ url: config.NATS_URL, name: 'notifier', eventsMaxAgeSeconds: config.EVENTS_MAX_AGE_SECONDS, user: config.NATS_USER, password: config.NATS_PASSWORD })),
        TerminusModule.forRoot({ logger: false }),
        // Structured logs, metrics, the drain state readiness reads.
        ObservabilityModule.forRoot('notifier', config),
        // The sessions' client audio buffers (audio_buffer_append until commit).
        RedisClientModule.forRoot(config.REDIS_URL, 'notifier', 'producer'),
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: NOTIFIER_CONFIG, useValue: config },
        { provide: AUDIO_BUFFER_STORE, useFactory: (redis: Redis) => new AudioBufferStore(redis, config.AUDIO_BUFFER_TTL_SECONDS), inject: [REDIS_CLIENT] },
        SessionHub,
        SessionGateway,
        AudioInput,
        ListeningRelay,
        SocketMetrics,
      ],
    };
  }
}
