import type { FastifyReply } from 'fastify';
import { CSV_CONTENT_TYPE, UsageResponse } from '@avatar/contracts';
import { usageCsv } from '@avatar/usage';

/** CSV when asked by `format=csv`, or by `Accept: text/csv` without a format; JSON otherwise. */
export function wantsCsv(format: 'json' | 'csv' | undefined, accept: string | undefined): boolean {
  if (format) return format === 'csv';
  return /(^|,)\s*text\/csv\s*(;|,|$)/i.test(accept ?? '');
}

/** The report as the client asked for it: the JSON document, or its rows as CSV (an attachment). */
export function renderUsage(report: UsageResponse, csv: boolean, reply: FastifyReply): UsageResponse | string {
  if (!csv) return report;
  const name = `usage-${report.from.slice(0, 10)}-${report.to.slice(0, 10)}-${report.group_by}.csv`;
  reply.header('content-type', CSV_CONTENT_TYPE).header('content-disposition', `attachment; filename="${name}"`);
  return usageCsv(report.group_by, report.rows);
}
