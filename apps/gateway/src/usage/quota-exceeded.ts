import { PlatformError } from '@avatar/contracts';

/** The tenant quotas a request can run into (tenant.quotas over DEFAULT_QUOTAS). */
export type QuotaName = 'max_active_sessions' | 'max_queued_tasks_per_session' | 'monthly_minutes';

/**
 * 429 QUOTA_EXCEEDED, like a rate limit: a quota frees up (a session ends, a task is
 * spoken, a month begins), so the same request may succeed later. `details` names
 * the quota, its limit and where the tenant stands.
 */
export function quotaExceeded(quota: QuotaName, limit: number, current: number, extra: Record<string, unknown> = {}): PlatformError {
  return new PlatformError('QUOTA_EXCEEDED', `tenant quota ${quota} reached (${current} of ${limit})`, { quota, limit, current, ...extra });
}
