import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { GatewayConfig } from '@avatar/config';
import { MessagingModule } from '@avatar/messaging';
import { PersistenceModule } from '@avatar/persistence';
import { SpeechModule, SpeechTaskQueue } from '@avatar/speech';
import { GATEWAY_CONFIG } from './gateway-config';
import { ErrorEnvelopeFilter } from './common/error-envelope.filter';
import { TraceInterceptor } from './common/trace.interceptor';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ApiKeyCache } from './auth/api-key-cache';
import { TenantSettingsCache } from './tenancy/tenant-settings.cache';
import { SessionsController } from './sessions/sessions.controller';
import { CreateSessionUseCase } from './sessions/use-cases/create-session.use-case';
import { StartSessionUseCase } from './sessions/use-cases/start-session.use-case';
import { StopSessionUseCase } from './sessions/use-cases/stop-session.use-case';
import { ListSessionsUseCase } from './sessions/use-cases/list-sessions.use-case';
import { IssueSessionTokenUseCase } from './sessions/use-cases/issue-session-token.use-case';
import { SpeechController } from './speech/speech.controller';
import { SpeakUseCase } from './speech/use-cases/speak.use-case';
import { InterruptUseCase } from './speech/use-cases/interrupt.use-case';
import { GetTaskUseCase } from './speech/use-cases/get-task.use-case';
import { speechQueueModules } from './speech/speech-queue.provider';
import { HealthController } from './health/health.controller';
import { OpenApiController } from './openapi/openapi.controller';
import { adminArea } from './admin/admin.area';
import { limitsArea } from './limits/limits.area';
import { usageArea } from './usage/usage.area';
import { webhooksArea } from './admin/webhooks/webhooks.area';
import { providersArea } from './providers/providers.area';
import { chatArea } from './chat/chat.area';
import { compatArea } from './compat/compat.area';
import { demoArea } from './demo/demo.area';
import { opsArea } from './metrics/ops.area';
import { credentialCipherProvider } from '@avatar/tenancy';

/** The public HTTP API: sessions, speech, health, its OpenAPI description. */
@Module({})
export class GatewayModule {
  static register(config: GatewayConfig): DynamicModule {
    const areas = [adminArea(config), limitsArea(config), usageArea(config), webhooksArea(config), providersArea(config), compatArea(config), chatArea(config), demoArea(config), opsArea(config)];
    return {
      module: GatewayModule,
      imports: [
        PersistenceModule.forRoot(config.DATABASE_URL),
        MessagingModule.forRoot(() => ({ url: config.NATS_URL, name: 'gateway', eventsMaxAgeSeconds: config.EVENTS_MAX_AGE_SECONDS, user: config.NATS_USER, password: config.NATS_PASSWORD })),
        TerminusModule.forRoot({ logger: false }),
        SpeechModule,
        ...speechQueueModules(config),
        ...areas.flatMap((area) => area.imports ?? []),
      ],
      controllers: [SessionsController, SpeechController, HealthController, OpenApiController, ...areas.flatMap((area) => area.controllers ?? [])],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        // Opens tenants' vendor credentials (providers) and seals them (admin API).
        credentialCipherProvider(config),
        { provide: APP_FILTER, useClass: ErrorEnvelopeFilter },
        { provide: APP_INTERCEPTOR, useClass: TraceInterceptor },
        ApiKeyGuard,
        ApiKeyCache,
        TenantSettingsCache,
        CreateSessionUseCase,
        StartSessionUseCase,
        StopSessionUseCase,
        ListSessionsUseCase,
        IssueSessionTokenUseCase,
        SpeechTaskQueue,
        SpeakUseCase,
        InterruptUseCase,
        GetTaskUseCase,
        ...areas.flatMap((area) => area.providers ?? []),
      ],
    };
  }
}
