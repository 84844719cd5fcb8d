import type { TenantScope } from '@avatar/contracts';
import { Inject, Injectable } from '@nestjs/common';
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
  ) {}

  async execute(tenantId: TenantScope, request: StartSessionRequest): Promise<StartSessionResponse> {
    const session = await findSessionOrThrow(this.sessions, tenantId, request.session_id);
    if (session.status === 'active') return { status: 'started' };
    if (session.status !== 'created') {
      throw PlatformError.sessionNotActive(session.id, session.status, ' and cannot be started');
    }
    // Billing starts here: not once the month's minutes are used up.
    await this.monthlyMinutes.assertAvailable(tenantId);
    const scope = { tenantId, sessionId: session.id };
    let reply: StartReply;
    try {
      reply = await this.commands.request<StartCommand, StartReply>(
        scope,
        COMMANDS.START,
        { provider: session.provider, avatar_id: session.avatarId, voice_id: session.voiceId ?? undefined, quality: session.quality, sdp: request.sdp },
        this.config.COMMAND_TIMEOUT_MS,
      );
    } catch (err) {
      throw commandFailure(err, 'start the provider session');
    }
    if (!(await this.sessions.markStarted(tenantId, session.id, reply.provider_session_id))) {
      // A concurrent start won, or a stop came in meanwhile: the vendor session opened
      // for this request is nobody's, so end it, and report what the session is now.
      this.commands.broadcast<ReleaseCommand>(scope, COMMANDS.RELEASE, { provider: session.provider, provider_session_id: reply.provider_session_id });
      const now = await findSessionOrThrow(this.sessions, tenantId, session.id);
      if (now.status === 'active') return { status: 'started' };
      throw PlatformError.sessionNotActive(session.id, now.status);
    }
    await this.events.publishAll(scope, [{ type: 'session.started' }, { type: 'status', status: 'idle', message: 'Avatar is ready' }]);
    return reply.sdp ? { status: 'started', sdp: reply.sdp } : { status: 'started' };
  }
}
