import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { MessagingModule } from '@avatar/messaging';
import { NOTIFIER_CONFIG, NotifierConfig } from './notifier-config';
import { SessionHub } from './relay/session-hub';
import { SessionGateway } from './socket/session.gateway';
import { HealthController } from './health/health.controller';

/** The WebSocket server: session events out, client commands in. */
@Module({})
export class NotifierModule {
  static register(config: NotifierConfig): DynamicModule {
    return {
      module: NotifierModule,
      imports: [
        MessagingModule.forRoot(() => ({ url: config.NATS_URL, name: 'notifier', eventsMaxAgeSeconds: config.EVENTS_MAX_AGE_SECONDS })),
        TerminusModule.forRoot({ logger: false }),
      ],
      controllers: [HealthController],
      providers: [{ provide: NOTIFIER_CONFIG, useValue: config }, SessionHub, SessionGateway],
    };
  }
}
