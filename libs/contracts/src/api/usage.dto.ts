import { z } from 'zod';
import { isoInstant } from './streaming.dto';

/** Usage for billing and dashboards: `GET /v1/usage` (the tenant's own) and `GET /admin/v1/usage` (any tenant). */

export const USAGE_GROUP_BY = ['day', 'provider', 'avatar'] as const;
export type UsageGroupBy = (typeof USAGE_GROUP_BY)[number];
export const USAGE_FORMATS = ['json', 'csv'] as const;
/** The content type of a CSV answer (also chosen by `Accept: text/csv`). */
export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';

const usageQueryFields = {
  /** Start of the range (inclusive): an ISO date (UTC midnight) or date-time. Default: the start of the current UTC month. */
  from: isoInstant().optional(),
  /** End of the range (exclusive). Default: the end of from's month (of the current month without from). At most 366 days after from. */
  to: isoInstant().optional(),
  /** day (UTC days, a session over midnight is split), provider or avatar. */
  group_by: z.enum(USAGE_GROUP_BY).default('day'),
  /** json (default) or csv; `Accept: text/csv` asks for CSV too. */
  format: z.enum(USAGE_FORMATS).optional(),
};

export const UsageQuery = z.strictObject(usageQueryFields);
export type UsageQuery = z.infer<typeof UsageQuery>;

export const AdminUsageQuery = z.strictObject({ tenant_id: z.uuid({ message: 'tenant_id must be a UUID' }).toLowerCase(), ...usageQueryFields });
export type AdminUsageQuery = z.infer<typeof AdminUsageQuery>;

const UsageFigures = {
  /** Sessions with time in the group (a session over midnight counts on both days). */
  sessions: z.number().int(),
  /** Session time in the group, to the millisecond (running sessions up to now). */
  duration_seconds: z.number(),
  /** Billed seconds in the group (stopped sessions only): the groups of a session add up to its billed_seconds. */
  billed_seconds: z.number().int(),
  /** Seconds the avatar spoke in the group (tasks' last attempts, split by their own time). */
  spoken_seconds: z.number(),
};

export const UsageRow = z.object({ key: z.string(), ...UsageFigures });
export type UsageRow = z.infer<typeof UsageRow>;

export const UsageResponse = z.object({
  tenant_id: z.uuid(),
  from: z.iso.datetime(),
  to: z.iso.datetime(),
  group_by: z.enum(USAGE_GROUP_BY),
  /** The moment running sessions were counted up to (the database's clock). */
  as_of: z.iso.datetime(),
  rows: z.array(UsageRow),
  totals: z.object(UsageFigures),
});
export type UsageResponse = z.infer<typeof UsageResponse>;
