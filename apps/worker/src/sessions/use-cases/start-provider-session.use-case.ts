import { Injectable, Logger } from '@nestjs/common';
import { FailoverTarget, StartCommand, StartReply } from '@avatar/contracts';
import { ConversationEngine, ProviderError, ProviderRegistry, StartedProviderSession } from '@avatar/providers';
import { SessionScope } from '@avatar/messaging';
import { Metrics } from '@avatar/observability';
import { ProviderSessions } from '../../providers/provider-sessions';
import { ProviderConnections } from '../../providers/provider-connections';

/**
 * Opens the vendor session for streaming.start and answers what the gateway records:
 * the provider that served, the vendor's session id and state, what the frontend needs
 * (a token, an SDP answer). When the provider fails with a retryable or capacity error
 * the tenant's failover list is tried in order. A stateful vendor's connection opens
 * here at once, and this worker becomes the session's owner (docs/adr/0012).
 */
@Injectable()
export class StartProviderSessionUseCase {
  private readonly logger = new Logger(StartProviderSessionUseCase.name);

  constructor(
    private readonly providers: ProviderRegistry,
    private readonly sessions: ProviderSessions,
    private readonly connections: ProviderConnections,
    private readonly metrics: Metrics,
  ) {}

  async execute(scope: SessionScope, command: StartCommand): Promise<StartReply> {
    const candidates: FailoverTarget[] = [
      { provider: command.provider, avatar_id: command.avatar_id, voice_id: command.voice_id },
      ...(command.fallbacks ?? []).filter((f) => f.provider !== command.provider),
    ];
    const failedOver: NonNullable<StartReply['failed_over']> = [];
    for (const [i, target] of candidates.entries()) {
      const provider = target.provider;
      try {
        const started = await this.startOn(scope, target, command);
        return {
          provider,
          avatar_id: target.avatar_id ?? command.avatar_id,
          voice_id: target.voice_id ?? command.voice_id,
          provider_session_id: started.providerSessionId,
          provider_state: started.state ? { ...started.state } : undefined,
          client_session: started.clientSession ? { ...started.clientSession } : undefined,
          sdp: started.sdpAnswer,
          ...(failedOver.length > 0 ? { failed_over: failedOver } : {}),
        };
      } catch (err) {
        if (err instanceof ProviderError) this.metrics.counter('providerErrors').inc({ provider: err.provider, operation: 'start', code: err.code });
        const last = i === candidates.length - 1;
        // Only a vendor that cannot serve now hands over; a refusal (bad avatar, bad key) is the caller's to see.
        if (last || !(err instanceof ProviderError) || !(err.failsOver || err.kind === 'not_configured')) throw err;
        this.logger.warn(`session ${scope.sessionId}: ${provider} failed (${err.code}), trying ${candidates[i + 1].provider}: ${err.message}`);
        failedOver.push({ provider, code: err.code, message: err.message });
      }
    }
    throw new Error('no provider to start on');
  }

  private async startOn(scope: SessionScope, target: FailoverTarget, command: StartCommand): Promise<StartedProviderSession> {
    const provider = target.provider;
    const adapter = this.providers.get(provider);
    const spec = await this.sessions.spec(scope, provider, {
      avatarId: target.avatar_id ?? command.avatar_id,
      voiceId: target.voice_id ?? command.voice_id,
      quality: command.quality,
      sdpOffer: command.sdp,
      // Validated by the gateway (ConversationEngine) and only sent for providers that take one.
      conversationEngine: command.provider_options?.conversation_engine as ConversationEngine | undefined,
    });
    const started = await adapter.start(spec);
    if (adapter.stateful) {
      try {
        await this.connections.openStarted(provider, { spec, providerSessionId: started.providerSessionId, state: started.state });
      } catch (err) {
        // Nobody could speak on it: end the vendor session rather than leave it billing.
        await adapter.stop({ spec, providerSessionId: started.providerSessionId, state: started.state }, 'start_failed').catch(() => undefined);
        throw err;
      }
    }
    return started;
  }
}
