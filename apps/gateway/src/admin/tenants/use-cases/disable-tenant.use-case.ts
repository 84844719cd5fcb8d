import { Inject, Injectable, Logger } from '@nestjs/common';
import type { DisableTenantResponse, TenantScope } from '@avatar/contracts';
import { END_REASONS, TenantAdminRepository } from '@avatar/persistence';
import { announcements, Announcer, tenantView } from '@avatar/tenancy';
import { StopSessionUseCase } from '../../../sessions/use-cases/stop-session.use-case';
import { AdminAudit } from '../../common/admin-audit';
import { adminNotFound } from '../../common/admin-errors';
import { ANNOUNCER } from '../../common/announcer.token';

/** Sessions stopped at once (each stop waits for a worker's reply). */
const STOP_CONCURRENCY = 4;
/**
 * Passes over the tenant's live sessions: a streaming.new that passed authentication
 * just before the disable may create a session after the first pass listed them.
 */
const STOP_PASSES = 3;

/**
 * POST /admin/v1/tenants/:tenant_id/disable. In this order: the database says
 * disabled (from then on no key of the tenant authenticates: authenticate() requires
 * an active tenant), every gateway is told to forget the tenant's cached keys and
 * settings, and then each running session stops as a client stop would (worker told,
 * session.stopped published) with end reason tenant_disabled.
 */
@Injectable()
export class DisableTenantUseCase {
  private readonly logger = new Logger(DisableTenantUseCase.name);

  constructor(
    private readonly tenants: TenantAdminRepository,
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
    const failed = new Set<string>();
    for (let pass = 0; pass < STOP_PASSES; pass++) {
      const ids = (await this.tenants.liveSessionIds(tenant)).filter((id) => !failed.has(id));
      if (ids.length === 0) break;
      let next = 0;
      const stopOne = async () => {
        while (next < ids.length) {
          const id = ids[next++];
          try {
            await this.stopSession.execute(tenant, id, END_REASONS.TENANT_DISABLED);
            stopped += 1;
          } catch (err) {
            // Gone meanwhile, or the database refused: the others still stop.
            failed.add(id);
            this.logger.warn(`tenant ${tenant} disabled, but session ${id} did not stop: ${(err as Error).message}`);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(STOP_CONCURRENCY, ids.length) }, stopOne));
    }
    return stopped;
  }
}
