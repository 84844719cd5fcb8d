import { TenantScopes } from '@avatar/contracts';
import type { UsageRepository } from '@avatar/persistence';
import { caughtPlatformError } from '@avatar/testing';
import type { TenantSettingsCache } from '../tenancy/tenant-settings.cache';
import { MonthlyMinutesQuota } from './monthly-minutes.quota';

const TENANT = TenantScopes.ofRecord('tenant-1');

function setup(monthlyMinutes: number | null, usedMs: number) {
  const settings = { settingsOf: jest.fn(async () => ({ quotas: { monthly_minutes: monthlyMinutes } })) };
  const usage = { monthUsage: jest.fn().mockResolvedValue({ month: '2026-03', usedMs }) };
  return { quota: new MonthlyMinutesQuota(settings as unknown as TenantSettingsCache, usage as unknown as UsageRepository), usage };
}

describe('MonthlyMinutesQuota', () => {
  it('lets a tenant without a budget through without reading its usage', async () => {
    const t = setup(null, 10 ** 9);
    await expect(t.quota.assertAvailable(TENANT)).resolves.toBeUndefined();
    expect(t.usage.monthUsage).not.toHaveBeenCalled();
  });

  it('lets a tenant through while it has time left this month', async () => {
    const t = setup(1, 59_999);
    await expect(t.quota.assertAvailable(TENANT)).resolves.toBeUndefined();
    expect(t.usage.monthUsage).toHaveBeenCalledWith(TENANT);
  });

  it('answers 429 QUOTA_EXCEEDED {quota: monthly_minutes} once the month’s time reaches the budget', async () => {
    const err = await caughtPlatformError(setup(1, 60_000).quota.assertAvailable(TENANT));

    expect(err.code).toBe('QUOTA_EXCEEDED');
    expect(err.status).toBe(429);
    expect(err.details).toEqual({ quota: 'monthly_minutes', limit: 1, current: 1, month: '2026-03', used_seconds: 60, budget_seconds: 60 });
  });
});
