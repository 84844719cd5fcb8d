import { DAY_MS, utcMonth } from './usage-segments';

/** The longest range a usage report covers. */
export const USAGE_MAX_RANGE_DAYS = 366;

export type UsageRange = { fromMs: number; toMs: number };
export type UsageRangeResult = { ok: true; range: UsageRange } | { ok: false; field: 'from' | 'to'; message: string };

/**
 * A report's range [from, to) from what the request gave: both absent is the current
 * UTC month; `from` alone runs to the end of its month; `to` alone starts at the
 * beginning of the month it ends in. `to` must be after `from`, at most 366 days.
 */
export function resolveUsageRange(from: Date | undefined, to: Date | undefined, nowMs: number): UsageRangeResult {
  const fromMs = from?.getTime() ?? utcMonth(to ? to.getTime() - 1 : nowMs).startMs;
  const toMs = to?.getTime() ?? utcMonth(from ? from.getTime() : nowMs).endMs;
  if (toMs <= fromMs) return { ok: false, field: 'to', message: 'must be after from' };
  if (toMs - fromMs > USAGE_MAX_RANGE_DAYS * DAY_MS) return { ok: false, field: 'to', message: `the range may span at most ${USAGE_MAX_RANGE_DAYS} days` };
  return { ok: true, range: { fromMs, toMs } };
}
