import type { TenantScope } from '@avatar/contracts';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { COMMANDS, StopCommand, StopReply, StopSessionResponse } from '@avatar/contracts';
import { END_REASONS, EndedSession, EndReason, SessionsRepository } from '@avatar/persistence';
import { CommandBus, EventPublisher } from '@avatar/messaging';
import { GATEWAY_CONFIG, GatewayConfig } from '../../gateway-config';
import { sessionDurationSeconds } from '../session-summary';
import { PlatformError } from '@avatar/contracts';

/**
 * streaming.stop: the session's duration and billed seconds are fixed in the database
 * first (so they are never lost), then a worker drops its tasks and closes the
 * provider session. Stopping twice answers the same figures.
 */
@Injectable()
export class StopSessionUseCase {
  private readonly logger = new Logger(StopSessionUseCase.name);

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly commands: CommandBus,
    private readonly events: EventPublisher,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** `reason`: client_stop for streaming.stop. */
  async execute(tenantId: TenantScope, sessionId: string, stopReason: EndReason = END_REASONS.CLIENT_STOP): Promise<StopSessionResponse> {
    const result = await this.sessions.stop(tenantId, sessionId, stopReason);
    if (result.outcome === 'not_found') {
      throw PlatformError.sessionNotFound(sessionId);
    }
    const duration = sessionDurationSeconds(result.session);
    // Fixed by the ending statement with the tenant's billing rule (0 for a session that never started).
    const billedSeconds = result.session.billedSeconds ?? 0;
    if (result.outcome === 'stopped') {
      // A session that was already due (idle, max duration, platform down) ends with
      // that reason and moment, not the client's (docs/adr/0007).
      await this.finish(tenantId, { sessionId, reason: result.session.endReason ?? stopReason, durationMs: duration * 1000, billedSeconds });
    }
    return { status: 'stopped', duration, billed_seconds: billedSeconds };
  }

  /**
   * What follows a session's end in the database (this stop, or sessions an
   * administrator's disable ended together): a worker drops its tasks and closes the
   * provider session, and session.stopped goes out with the figures.
   */
  async finish(tenantId: TenantScope, ended: Pick<EndedSession, 'sessionId' | 'reason' | 'durationMs' | 'billedSeconds'>): Promise<void> {
    const scope = { tenantId, sessionId: ended.sessionId };
    try {
      await this.commands.request<StopCommand, StopReply>(scope, COMMANDS.STOP, { reason: ended.reason }, this.config.COMMAND_TIMEOUT_MS);
    } catch (err) {
      // The stop itself stands: its queued tasks end as interrupted when a worker
      // reaches them and finds the session stopped.
      this.logger.warn(`session ${ended.sessionId} stopped, but no worker confirmed: ${(err as Error).message}`);
    }
    await this.events.publish(scope, { type: 'session.stopped', duration: ended.durationMs / 1000, billed_seconds: ended.billedSeconds, reason: ended.reason });
  }
}
