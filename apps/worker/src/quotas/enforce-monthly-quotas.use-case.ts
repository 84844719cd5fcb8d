import { Injectable, Logger } from '@nestjs/common';
import { DEFAULT_QUOTAS, effectiveTenantSettings } from '@avatar/contracts';
import { END_REASONS, EndedSession, MonthStanding, SessionsRepository, UsageRepository, WebhookOutboxRepository } from '@avatar/persistence';
import { EventPublisher } from '@avatar/messaging';
import { ProviderConnections } from '../providers/provider-connections';
import { finishEndedSession } from '../sessions/reaper/reap-sessions.use-case';
import { StopProviderSessionUseCase } from '../sessions/use-cases/stop-provider-session.use-case';

/** quota.warning is sent once a tenant has used this share of its month's budget. */
export const QUOTA_WARNING_SHARE = 0.8;

/** What one enforcement pass did (for logs and specs). */
export interface EnforcementResult {
  warned: string[];
  exhausted: string[];
  stopped: EndedSession[];
}

/**
 * The monthly-minutes quota, enforced on running sessions (the gateway refuses new
 * ones at the door). Each pass reads every tenant with a monthly budget and its
 * session time this UTC month (running sessions up to now), and:
 * - at ≥ 80 % of the budget records `quota.warning` for its webhooks;
 * - at ≥ 100 % records `quota.exhausted` and ends every running session of the
 *   tenant with end reason quota_exhausted (billed like any other end), then drops
 *   their tasks and vendor sessions and announces session.stopped, like the reaper.
 *   (Sessions not started yet cost nothing; starting them is refused at the door.)
 * Several workers run it: the ending UPDATE gives each session to exactly one of them,
 * and the webhook events are keyed per tenant and month (`quota.exhausted:2026-03`),
 * so an endpoint gets each once. A session is stopped at most one pass after the
 * budget ran out (SESSION_REAPER_INTERVAL_MS, 5 s by default), so a tenant can
 * overrun its budget by up to that interval times its running sessions.
 */
@Injectable()
export class EnforceMonthlyQuotasUseCase {
  private readonly logger = new Logger(EnforceMonthlyQuotasUseCase.name);

  constructor(
    private readonly usage: UsageRepository,
    private readonly sessions: SessionsRepository,
    private readonly outbox: WebhookOutboxRepository,
    private readonly stopSession: StopProviderSessionUseCase,
    private readonly connections: ProviderConnections,
    private readonly events: EventPublisher,
  ) {}

  async execute(): Promise<EnforcementResult> {
    const result: EnforcementResult = { warned: [], exhausted: [], stopped: [] };
    const tenants = await this.usage.tenantsWithBudget(DEFAULT_QUOTAS.monthly_minutes !== null);
    const budgets = tenants.flatMap(({ tenantId, quotas }) => {
      // The same reading of the stored quotas as the gateway's (a malformed value means the default).
      const minutes = effectiveTenantSettings({ limits: {}, quotas, billing: {}, providers: {} }).quotas.monthly_minutes;
      return minutes === null ? [] : [{ tenantId, budgetMs: minutes * 60_000 }];
    });
    for (const standing of await this.usage.monthStandings(budgets)) {
      if (standing.usedMs < standing.budgetMs * QUOTA_WARNING_SHARE) continue;
      await this.notify(standing, 'quota.warning');
      result.warned.push(standing.tenantId);
      if (standing.usedMs < standing.budgetMs) continue;
      await this.notify(standing, 'quota.exhausted');
      result.exhausted.push(standing.tenantId);
      if (standing.running > 0) result.stopped.push(...(await this.stopRunning(standing)));
    }
    return result;
  }

  private async notify(standing: MonthStanding, type: 'quota.warning' | 'quota.exhausted'): Promise<void> {
    await this.outbox.record(standing.tenantId, {
      type,
      key: `${type}:${standing.month}`,
      payload: { tenant_id: standing.tenantId, month: standing.month, used_seconds: standing.usedMs / 1000, budget_seconds: standing.budgetMs / 1000 },
    });
  }

  private async stopRunning(standing: MonthStanding): Promise<EndedSession[]> {
    const ended = await this.sessions.stopRunning(standing.tenantId, END_REASONS.QUOTA_EXHAUSTED);
    if (ended.length > 0) {
      this.logger.warn(`tenant ${standing.tenantId}: monthly minutes used up (${standing.usedMs / 1000} of ${standing.budgetMs / 1000} s in ${standing.month}), stopping ${ended.length} session(s)`);
    }
    const deps = { stopSession: this.stopSession, connections: this.connections, events: this.events, logger: this.logger };
    for (const session of ended) await finishEndedSession(deps, session);
    return ended;
  }
}
