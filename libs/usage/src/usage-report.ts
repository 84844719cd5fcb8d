import type { UsageGroupBy } from '@avatar/contracts';
import { splitSession, utcDay } from './usage-segments';


/** What a report needs of one session (times in epoch ms). */
export interface UsageSession {
  id: string;
  provider: string;
  avatarId: string;
  startMs: number;
  /** Its final duration; null while it runs (then it counts up to the report's now). */
  durationMs: number | null;
  /** Its billed_seconds; null while it runs. */
  billedSeconds: number | null;
  /** Its tasks' last speaking attempts, [start, end] (tasks that never spoke are left out). */
  tasks: Array<{ startMs: number; endMs: number }>;
}

/** Totals of one group (a UTC day, a provider or an avatar). */
export interface UsageTotals {
  sessions: number;
  durationMs: number;
  billedSeconds: number;
  spokenMs: number;
}
export interface UsageRow extends UsageTotals {
  key: string;
}

const empty = (): UsageTotals => ({ sessions: 0, durationMs: 0, billedSeconds: 0, spokenMs: 0 });

/**
 * Adds sessions up into report rows, one session at a time (a report over a year
 * reads its sessions a page at a time, and memory holds only the groups). The range
 * is [fromMs, toMs): every session is cut at it and at each UTC midnight
 * (usage-segments.ts), and only the segments inside count. A session counts once in
 * each group it has time in (a session over midnight counts on both days), and once
 * in the totals.
 */
export class UsageReport {
  private readonly groups = new Map<string, UsageTotals>();
  private readonly total = empty();

  constructor(
    readonly range: { fromMs: number; toMs: number },
    readonly groupBy: UsageGroupBy,
    /** The report's clock for running sessions (the database's now). */
    readonly nowMs: number,
  ) {}

  add(session: UsageSession): void {
    const endMs = session.durationMs === null ? Math.max(session.startMs, this.nowMs) : session.startMs + session.durationMs;
    const cuts = [this.range.fromMs, this.range.toMs];
    const touched = new Set<string>();
    for (const segment of splitSession({ startMs: session.startMs, endMs, billedSeconds: session.billedSeconds }, cuts)) {
      if (!this.inRange(segment.startMs)) continue;
      const group = this.group(session, segment.startMs);
      group.durationMs += segment.endMs - segment.startMs;
      group.billedSeconds += segment.billedSeconds;
      this.total.durationMs += segment.endMs - segment.startMs;
      this.total.billedSeconds += segment.billedSeconds;
      touched.add(this.keyOf(session, segment.startMs));
    }
    for (const task of session.tasks) {
      // A task is cut like its session (midnights, the range's bounds); it bills nothing.
      for (const segment of splitSession({ startMs: task.startMs, endMs: task.endMs, billedSeconds: null }, cuts)) {
        if (!this.inRange(segment.startMs)) continue;
        this.group(session, segment.startMs).spokenMs += segment.endMs - segment.startMs;
        this.total.spokenMs += segment.endMs - segment.startMs;
      }
    }
    for (const key of touched) this.groups.get(key)!.sessions += 1;
    if (touched.size > 0) this.total.sessions += 1;
  }

  /** The groups with any session in them, by key. */
  rows(): UsageRow[] {
    return [...this.groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, totals]) => ({ key, ...totals }));
  }

  totals(): UsageTotals {
    return { ...this.total };
  }

  private inRange(ms: number): boolean {
    return ms >= this.range.fromMs && ms < this.range.toMs;
  }

  private keyOf(session: UsageSession, atMs: number): string {
    if (this.groupBy === 'day') return utcDay(atMs);
    return this.groupBy === 'provider' ? session.provider : session.avatarId;
  }

  private group(session: UsageSession, atMs: number): UsageTotals {
    const key = this.keyOf(session, atMs);
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = empty()));
    return group;
  }
}
