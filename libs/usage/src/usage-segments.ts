/**
 * How a session's time is split into periods (UTC days, a report's range), exactly
 * and without losing a second of its bill (docs/adr/0011):
 *
 * - duration: each segment gets its own milliseconds, so the segments of a session
 *   add up to its duration exactly;
 * - billed seconds: the session's whole seconds, counted from its start, are billed
 *   in the segment in which each one completes; the last segment (the one the session
 *   ended in) gets the rest of its bill: its last partial second rounded up, and any
 *   minimum charge. So the billed seconds of its segments add up to the session's
 *   billed_seconds exactly, whatever the cuts, and a segment's share does not depend
 *   on where else the session was cut;
 * - a running session (no bill yet) counts its time up to `now` in duration and
 *   nothing in billed seconds.
 *
 * Times are epoch milliseconds (the database stores timestamps to the millisecond).
 */

export const DAY_MS = 86_400_000;

/** A stretch of a session between two cuts: [startMs, endMs], with what it is billed. */
export interface Segment {
  startMs: number;
  endMs: number;
  billedSeconds: number;
}

export interface SessionSpan {
  startMs: number;
  /** Where it ended (for a running session: now). */
  endMs: number;
  /** The session's billed_seconds; null while it runs. */
  billedSeconds: number | null;
}

/** UTC midnights strictly between `startMs` and `endMs`. */
export function midnightsBetween(startMs: number, endMs: number): number[] {
  const out: number[] = [];
  for (let t = Math.floor(startMs / DAY_MS) * DAY_MS + DAY_MS; t < endMs; t += DAY_MS) out.push(t);
  return out;
}

/**
 * Cuts a session at every UTC midnight inside it and at the extra `cuts` (a report's
 * from/to), in order. A session of zero length is one segment [t, t].
 */
export function splitSession(span: SessionSpan, cuts: number[] = []): Segment[] {
  const { startMs, endMs } = span;
  const points = [...new Set([...midnightsBetween(startMs, endMs), ...cuts.filter((c) => c > startMs && c < endMs)])].sort((a, b) => a - b);
  const bounds = [startMs, ...points, endMs];
  const segments: Segment[] = [];
  for (let i = 0; i < bounds.length - 1; i++) {
    const [a, b] = [bounds[i], bounds[i + 1]];
    const last = i === bounds.length - 2;
    // Whole seconds of the session completed by the segment's end, minus those completed before it.
    const before = Math.floor((a - startMs) / 1000);
    const billed = span.billedSeconds === null ? 0 : last ? span.billedSeconds - before : Math.floor((b - startMs) / 1000) - before;
    segments.push({ startMs: a, endMs: b, billedSeconds: billed });
  }
  return segments;
}

/** The UTC day (YYYY-MM-DD) a moment falls in. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The UTC calendar month (YYYY-MM) of a moment, and its bounds [startMs, endMs). */
export function utcMonth(ms: number): { month: string; startMs: number; endMs: number } {
  const d = new Date(ms);
  const startMs = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const endMs = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  return { month: new Date(startMs).toISOString().slice(0, 7), startMs, endMs };
}
