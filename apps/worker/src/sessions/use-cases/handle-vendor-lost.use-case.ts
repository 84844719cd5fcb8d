import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { effectiveTenantSettings, FailoverTarget } from '@avatar/contracts';
import { END_REASONS, SessionsRepository, TenantsRepository } from '@avatar/persistence';
import { EventPublisher, SessionScope } from '@avatar/messaging';
import { ProviderRegistry } from '@avatar/providers';
import { ProviderConnections } from '../../providers/provider-connections';
import { ProviderSessions } from '../../providers/provider-sessions';
import { finishEndedSession } from '../reaper/reap-sessions.use-case';
import { StopProviderSessionUseCase } from './stop-provider-session.use-case';

export interface VendorLost {
  scope: SessionScope;
  provider: string;
  providerSessionId: string;
  error: Error;
}

/**
 * A vendor session went away by itself (the vendor closed its socket or ended the
 * session): the client hears it (`error` PROVIDER_SESSION_LOST), then either the
 * session moves to the next provider of the tenant's failover list (when the tenant
 * set `failover_mid_session`) and its queued tasks carry on there, or it ends with
 * `provider_ended` and its duration fixed like any other ending.
 */
@Injectable()
export class HandleVendorLostUseCase implements OnModuleInit {
  private readonly logger = new Logger(HandleVendorLostUseCase.name);

  constructor(
    private readonly connections: ProviderConnections,
    private readonly sessions: SessionsRepository,
    private readonly tenants: TenantsRepository,
    private readonly registry: ProviderRegistry,
    private readonly providerSessions: ProviderSessions,
    private readonly events: EventPublisher,
    private readonly stopSession: StopProviderSessionUseCase,
  ) {}

  onModuleInit(): void {
    this.connections.onVendorLost((lost) => void this.execute(lost).catch((err) => this.logger.error(`vendor loss of ${lost.scope.sessionId} not handled: ${(err as Error).message}`)));
  }

  async execute(lost: VendorLost): Promise<'ignored' | 'failed_over' | 'ended'> {
    const { scope } = lost;
    const session = await this.sessions.find(scope.tenantId, scope.sessionId);
    // Stopped by us meanwhile, or another worker already moved it: nothing to do.
    if (!session || session.status !== 'active' || session.providerSessionId !== lost.providerSessionId) return 'ignored';
    await this.events.publish(scope, { type: 'error', code: 'PROVIDER_SESSION_LOST', message: `the ${lost.provider} session ended: ${lost.error.message}` });
    const tenant = await this.tenants.find(scope.tenantId);
    const { providers } = effectiveTenantSettings(tenant ?? { limits: {}, quotas: {}, billing: {}, providers: {} });
    if (providers.failover_mid_session) {
      for (const target of (providers.failover ?? []).filter((f) => f.provider !== lost.provider)) {
        if (await this.moveTo(scope, session, lost, target)) return 'failed_over';
      }
    }
    const result = await this.sessions.stop(scope.tenantId, scope.sessionId, END_REASONS.PROVIDER_ENDED);
    if (result.outcome === 'stopped' && result.session.durationMs !== null) {
      await finishEndedSession(
        { stopSession: this.stopSession, connections: this.connections, events: this.events, logger: this.logger },
        {
          tenantId: scope.tenantId,
          sessionId: scope.sessionId,
          reason: result.session.endReason ?? END_REASONS.PROVIDER_ENDED,
          durationMs: result.session.durationMs,
          billedSeconds: result.session.billedSeconds ?? 0,
          endedAt: result.session.endedAt ?? new Date(),
        },
      );
    }
    return 'ended';
  }

  private async moveTo(scope: SessionScope, session: { avatarId: string; voiceId: string | null; quality: string }, lost: VendorLost, target: FailoverTarget): Promise<boolean> {
    const adapter = this.registry.get(target.provider);
    try {
      const spec = await this.providerSessions.spec(scope, target.provider, { avatarId: target.avatar_id ?? session.avatarId, voiceId: target.voice_id ?? session.voiceId, quality: session.quality });
      const started = await adapter.start(spec);
      const ref = { spec, providerSessionId: started.providerSessionId, state: started.state };
      if (adapter.stateful) {
        try {
          await this.connections.openStarted(target.provider, ref);
        } catch (err) {
          // Nobody could speak on it: end the vendor session rather than leave it billing.
          await adapter.stop(ref, 'start_failed').catch(() => undefined);
          throw err;
        }
      }
      const next = { provider: target.provider, providerSessionId: started.providerSessionId, providerState: started.state ? { ...started.state } : undefined, avatarId: spec.avatarId, voiceId: spec.voiceId };
      if (!(await this.sessions.switchProvider(scope.tenantId, scope.sessionId, lost.providerSessionId, next))) {
        // Stopped or moved meanwhile: the session we just opened is nobody's.
        await this.connections.close(scope.sessionId);
        await adapter.stop(ref, 'start_lost_race').catch(() => undefined);
        return true;
      }
      this.logger.warn(`session ${scope.sessionId}: ${lost.provider} lost, continuing on ${target.provider}`);
      await this.events.publish(scope, { type: 'status', status: 'idle', message: `Continuing on ${target.provider} after ${lost.provider} ended the session` });
      return true;
    } catch (err) {
      this.logger.warn(`session ${scope.sessionId}: failover to ${target.provider} failed: ${(err as Error).message}`);
      return false;
    }
  }
}
