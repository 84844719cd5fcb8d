import type { TenantScope } from '@avatar/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { CONVERSATION_ENGINE_PROVIDERS, FailoverTarget, SDP_FREE_PROVIDERS } from '@avatar/contracts';
import { TenantSettingsCache } from '../../tenancy/tenant-settings.cache';
import { COMMANDS, PlatformError, StartCommand, StartReply, ReleaseCommand, StartSessionRequest, StartSessionResponse } from '@avatar/contracts';
import { SessionsRepository } from '@avatar/persistence';
import { CommandBus, EventPublisher } from '@avatar/messaging';
import { GATEWAY_CONFIG, GatewayConfig } from '../../gateway-config';
import { findSessionOrThrow } from './find-session';
import { commandFailure } from './command-errors';
import { MonthlyMinutesQuota } from '../../usage/monthly-minutes.quota';

/**
 * streaming.start: a worker opens the provider session (the provider adapters live
 * there), then the session becomes active and its billed time starts.
 */
@Injectable()
export class StartSessionUseCase {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly commands: CommandBus,
    private readonly events: EventPublisher,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly monthlyMinutes: MonthlyMinutesQuota,
    private readonly tenantSettings: TenantSettingsCache,
  ) {}

  async execute(tenantId: TenantScope, request: StartSessionRequest): Promise<StartSessionResponse> {
    const session = await findSessionOrThrow(this.sessions, tenantId, request.session_id);
    if (session.status === 'active') return { status: 'started', provider: session.provider };
    if (session.status !== 'created') {
      throw PlatformError.sessionNotActive(session.id, session.status, ' and cannot be started');
    }
    if (request.sdp && (SDP_FREE_PROVIDERS as readonly string[]).includes(session.provider)) {
      throw new PlatformError('VALIDATION_ERROR', `provider ${session.provider} streams through its own SDK (provider_session in this answer) and takes no SDP offer`, {
        fields: [{ field: 'sdp', message: `not supported by provider ${session.provider}` }],
      });
    }
    // Billing starts here: not once the month's minutes are used up.
    await this.monthlyMinutes.assertAvailable(tenantId);
    const scope = { tenantId, sessionId: session.id };
    const options = (session.providerOptions ?? undefined) as StartCommand['provider_options'];
    let reply: StartReply;
    try {
      reply = await this.commands.request<StartCommand, StartReply>(
        scope,
        COMMANDS.START,
        {
          provider: session.provider,
          fallbacks: await this.fallbacks(tenantId, session.provider, !!options?.conversation_engine, !!request.sdp),
          avatar_id: session.avatarId,
          voice_id: session.voiceId ?? undefined,
          quality: session.quality,
          sdp: request.sdp,
          provider_options: options,
        },
        this.config.PROVIDER_START_TIMEOUT_MS,
      );
    } catch (err) {
      throw commandFailure(err, 'start the provider session');
    }
    const started = { provider: reply.provider, providerSessionId: reply.provider_session_id, providerState: reply.provider_state, avatarId: reply.avatar_id, voiceId: reply.voice_id };
    if (!(await this.sessions.markStarted(tenantId, session.id, started))) {
      // A concurrent start won, or a stop came in meanwhile: the vendor session opened
      // for this request is nobody's, so end it, and report what the session is now.
      this.commands.broadcast<ReleaseCommand>(scope, COMMANDS.RELEASE, { provider: reply.provider, provider_session_id: reply.provider_session_id, provider_state: reply.provider_state });
      const now = await findSessionOrThrow(this.sessions, tenantId, session.id);
      if (now.status === 'active') return { status: 'started', provider: now.provider };
      throw PlatformError.sessionNotActive(session.id, now.status);
    }
    await this.events.publishAll(scope, [{ type: 'session.started' }, { type: 'status', status: 'idle', message: 'Avatar is ready' }]);
    return {
      status: 'started',
      ...(reply.sdp ? { sdp: reply.sdp } : {}),
      provider: reply.provider,
      ...(reply.client_session ? { provider_session: reply.client_session } : {}),
      ...(reply.failed_over ? { failed_over: reply.failed_over } : {}),
    };
  }

  /**
   * The tenant's failover list after the session's provider; only providers that take
   * a conversation engine when the session has one, and an SDP offer when the request
   * has one (either would be silently lost elsewhere).
   */
  private async fallbacks(tenantId: TenantScope, provider: string, hasConversationEngine: boolean, hasSdp: boolean): Promise<FailoverTarget[]> {
    const { providers } = await this.tenantSettings.settingsOf(tenantId);
    return (providers.failover ?? []).filter(
      (f) => f.provider !== provider && (!hasConversationEngine || (CONVERSATION_ENGINE_PROVIDERS as readonly string[]).includes(f.provider)) && (!hasSdp || !(SDP_FREE_PROVIDERS as readonly string[]).includes(f.provider)),
    );
  }
}
