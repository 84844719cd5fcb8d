import { Injectable } from '@nestjs/common';
import type { TenantScope } from '@avatar/contracts';
import { UsageRepository } from '@avatar/persistence';
import { TenantSettingsCache } from '../tenancy/tenant-settings.cache';
import { quotaExceeded } from './quota-exceeded';

/**
 * The monthly-minutes quota at the door: once the tenant's session time this UTC
 * month (running sessions up to now) reaches its budget, no session is created or
 * started. Running sessions are stopped by the workers' quota enforcer.
 */
@Injectable()
export class MonthlyMinutesQuota {
  constructor(
    private readonly settings: TenantSettingsCache,
    private readonly usage: UsageRepository,
  ) {}

  /** Throws 429 QUOTA_EXCEEDED {quota: 'monthly_minutes'} when the month's budget is used up. */
  async assertAvailable(tenantId: TenantScope): Promise<void> {
    const { monthly_minutes: minutes } = (await this.settings.settingsOf(tenantId)).quotas;
    if (minutes === null) return;
    const { month, usedMs } = await this.usage.monthUsage(tenantId);
    const budgetMs = minutes * 60_000;
    if (usedMs >= budgetMs) {
      throw quotaExceeded('monthly_minutes', minutes, usedMs / 60_000, { month, used_seconds: usedMs / 1000, budget_seconds: budgetMs / 1000 });
    }
  }
}
