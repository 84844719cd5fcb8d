import { Inject, Injectable, Logger } from '@nestjs/common';
import type { DisableTenantResponse, TenantScope } from '@avatar/contracts';
import { END_REASONS, SessionsRepository, TenantAdminRepository } from '@avatar/persistence';
import { adminNotFound, announcements, Announcer, tenantView } from '@avatar/tenancy';
import { StopSessionUseCase } from '../../../sessions/use-cases/stop-session.use-case';
import { AdminAudit } from '../../common/admin-audit';
import { ANNOUNCER } from '../../common/announcer.token';

/**
 * Passes over the tenant's live sessions: a streaming.new that passed authentication
 * just before the disable may create a session after the first pass ended the others.
 */
const STOP_PASSES = 3;

/**
 * POST /admin/v1/tenants/:tenant_id/disable. In this order: the database says
 * disabled (from then on no key of the tenant authenticates: authenticate() requires
 * an active tenant), every gateway is told to forget the tenant's cached keys and
 * settings, and then its live sessions end with end reason tenant_disabled: all in one
 * statement, so each is billed up to the same moment, then each one's worker is told
 * and its session.stopped published, as a client stop does.
 */
@Injectable()
export class DisableTenantUseCase {
  private readonly logger = new Logger(DisableTenantUseCase.name);

  constructor(
    private readonly tenants: TenantAdminRepository,
    private readonly sessions: SessionsRepository,
    private readonly stopSession: StopSessionUseCase,
    @Inject(ANNOUNCER) private readonly announcer: Announcer,
    private readonly audit: AdminAudit,
  ) {}

  async execute(tenant: TenantScope): Promise<DisableTenantResponse> {
    const row = await this.tenants.setStatus(tenant, 'disabled');
    if (!row) throw adminNotFound.tenant(tenant);
    await this.announcer.announce(announcements.tenantDisabled(tenant));
    const stopped = await this.stopLiveSessions(tenant);
    this.audit.record('tenant.disable', tenant, { sessions_stopped: stopped });
    return { ...tenantView(row), sessions_stopped: stopped };
  }

  private async stopLiveSessions(tenant: TenantScope): Promise<number> {
    let stopped = 0;
    for (let pass = 0; pass < STOP_PASSES; pass++) {
      const ended = await this.sessions.stopLive(tenant, END_REASONS.TENANT_DISABLED);
      if (ended.length === 0) break;
      // Each one is ended and billed already: one whose announcement fails does not hold up the others.
      await Promise.all(
        ended.map((session) =>
          this.stopSession.finish(tenant, session).catch((err: Error) => this.logger.warn(`session ${session.sessionId} ended, but not announced: ${err.message}`)),
        ),
      );
      stopped += ended.length;
    }
    return stopped;
  }
}
