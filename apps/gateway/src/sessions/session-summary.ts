import { SessionSummary } from '@avatar/contracts';
import { SessionRow } from '@avatar/persistence';

/** Seconds a session has streamed: final once stopped, running while active. */
export function sessionDurationSeconds(session: SessionRow, now: Date = new Date()): number {
  if (session.durationMs !== null) return session.durationMs / 1000;
  if (!session.startedAt) return 0;
  return Math.max(0, now.getTime() - session.startedAt.getTime()) / 1000;
}

export function toSessionSummary(session: SessionRow, now?: Date): SessionSummary {
  return {
    session_id: session.id,
    status: session.status,
    provider: session.provider,
    created_at: session.createdAt.toISOString(),
    started_at: session.startedAt?.toISOString() ?? null,
    ended_at: session.endedAt?.toISOString() ?? null,
    duration: sessionDurationSeconds(session, now),
    end_reason: session.endReason ?? null,
    billed_seconds: session.billedSeconds ?? null,
  };
}
