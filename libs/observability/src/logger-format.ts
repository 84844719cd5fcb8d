/**
 * The readable form of a log line (LOG_FORMAT=text, the default outside production):
 * one line per entry, `<time> <LEVEL> [<app>] <context>: <message> <fields>`, the
 * trace and request ids shortened to what a person compares. JSON stays the
 * production form (LOG_FORMAT=json); this only reformats what pino wrote.
 */

/** Fields the line shows in its own places, or not at all. */
const PLACED = new Set(['level', 'time', 'pid', 'hostname', 'app', 'context', 'msg', 'trace_id', 'span_id', 'trace_flags', 'request_id', 'err']);

const ACCESS_FIELDS = new Set([...PLACED, 'method', 'path', 'status', 'duration_ms']);

export function formatLogLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const level = String(entry.level ?? 'info').toUpperCase().padEnd(5);
  const context = entry.context ? `${String(entry.context)}: ` : '';
  let line = `${String(entry.time ?? new Date().toISOString())} ${level} [${String(entry.app ?? '')}] ${context}${String(entry.msg ?? '')}`;
  // An access line's message already says method, path, status and duration.
  const shown = entry.duration_ms !== undefined && entry.path !== undefined ? ACCESS_FIELDS : PLACED;
  for (const [key, value] of Object.entries(entry)) {
    if (!shown.has(key)) line += ` ${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`;
  }
  if (entry.request_id) line += ` req=${String(entry.request_id)}`;
  if (typeof entry.trace_id === 'string') line += ` trace=${entry.trace_id.slice(0, 8)}`;
  const err = entry.err as { stack?: string; message?: string } | undefined;
  if (err) line += `\n${err.stack ?? err.message ?? JSON.stringify(err)}`;
  return `${line}\n`;
}
