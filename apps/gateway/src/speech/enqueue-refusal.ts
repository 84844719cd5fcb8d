import { PlatformError } from '@avatar/contracts';
import type { EnqueueResult } from '@avatar/persistence';
import { quotaExceeded } from '../usage/quota-exceeded';

/** Why a session's line refused a task, for a producer that set no interrupt condition. */
export type EnqueueRefusal = Exclude<EnqueueResult, { outcome: 'queued' | 'interrupted' }>;

/** The API error for a task the session's line refused. */
export function enqueueRefusal(result: EnqueueRefusal, sessionId: string): PlatformError {
  switch (result.outcome) {
    case 'session_not_found':
      return PlatformError.sessionNotFound(sessionId);
    case 'session_not_active':
      return PlatformError.sessionNotActive(sessionId, result.status, ': start it before speaking');
    case 'quota_exceeded':
      return quotaExceeded('max_queued_tasks_per_session', result.limit, result.current, { session_id: sessionId });
  }
}
