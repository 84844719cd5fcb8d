import type { UsageGroupBy, UsageRow } from '@avatar/contracts';

/** The CSV column of each grouping. */
export const USAGE_KEY_COLUMN: Record<UsageGroupBy, string> = { day: 'day', provider: 'provider', avatar: 'avatar_id' };

/**
 * A field as CSV (RFC 4180): quoted when it holds a comma, quote or line break. A
 * value a spreadsheet would run as a formula (=, +, -, @, tab, CR first) is prefixed
 * with a quote mark: avatar ids are the tenant's own text.
 */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The report's rows as CSV: a header, then one line per group (CRLF line ends, like RFC 4180). */
export function usageCsv(groupBy: UsageGroupBy, rows: UsageRow[]): string {
  const lines = [[USAGE_KEY_COLUMN[groupBy], 'sessions', 'duration_seconds', 'billed_seconds', 'spoken_seconds'].join(',')];
  for (const row of rows) {
    lines.push([csvField(row.key), row.sessions, row.duration_seconds, row.billed_seconds, row.spoken_seconds].join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
