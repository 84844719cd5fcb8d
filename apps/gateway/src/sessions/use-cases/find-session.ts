import type { TenantScope } from '@avatar/contracts';
import { PlatformError } from '@avatar/contracts';
import { SessionRow, SessionsRepository } from '@avatar/persistence';

/** The tenant's session, or SESSION_NOT_FOUND (also for another tenant's session id). */
export async function findSessionOrThrow(sessions: SessionsRepository, tenantId: TenantScope, sessionId: string): Promise<SessionRow> {
  const session = await sessions.find(tenantId, sessionId);
  if (!session) throw PlatformError.sessionNotFound(sessionId);
  return session;
}
