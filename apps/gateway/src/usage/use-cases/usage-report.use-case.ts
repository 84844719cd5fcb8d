import type { TenantScope, UsageQuery, UsageResponse } from '@avatar/contracts';
import { Injectable } from '@nestjs/common';
import { PlatformError } from '@avatar/contracts';
import { UsageRepository } from '@avatar/persistence';
import { resolveUsageRange, UsageReport, UsageTotals } from '@avatar/usage';

const figures = (t: UsageTotals) => ({
  sessions: t.sessions,
  duration_seconds: t.durationMs / 1000,
  billed_seconds: t.billedSeconds,
  spoken_seconds: t.spokenMs / 1000,
});

/**
 * A tenant's usage over [from, to) (default: this UTC month), grouped by UTC day,
 * provider or avatar: sessions, duration to the millisecond, billed seconds, spoken
 * seconds. Every session is split at midnight and at the range (libs/usage), so the
 * rows of any ranges add up to the sessions' own figures. Running sessions count
 * their time up to the database's now, and no billed seconds until they end. Only
 * the scoped tenant's sessions are read.
 */
@Injectable()
export class UsageReportUseCase {
  constructor(private readonly usage: UsageRepository) {}

  async execute(tenantId: TenantScope, query: Omit<UsageQuery, 'format'>): Promise<UsageResponse> {
    const now = await this.usage.now();
    const resolved = resolveUsageRange(query.from, query.to, now.getTime());
    if (!resolved.ok) {
      throw new PlatformError('VALIDATION_ERROR', `invalid request: ${resolved.field}: ${resolved.message}`, { fields: [{ field: resolved.field, message: resolved.message }] });
    }
    const { fromMs, toMs } = resolved.range;
    const report = new UsageReport(resolved.range, query.group_by, now.getTime());
    for await (const page of this.usage.sessionsOverlapping(tenantId, new Date(fromMs), new Date(toMs))) {
      for (const session of page) report.add(session);
    }
    return {
      tenant_id: tenantId,
      from: new Date(fromMs).toISOString(),
      to: new Date(toMs).toISOString(),
      group_by: query.group_by,
      as_of: now.toISOString(),
      rows: report.rows().map((row) => ({ key: row.key, ...figures(row) })),
      totals: figures(report.totals()),
    };
  }
}
