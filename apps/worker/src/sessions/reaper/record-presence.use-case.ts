import { Injectable } from '@nestjs/common';
import { SessionsRepository } from '@avatar/persistence';
import { SessionScope } from '@avatar/messaging';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The notifier says a client watches these sessions (presence.<tenant>.<session>):
 * they are not idle now. One statement for a whole batch; ids that cannot be a
 * session's are dropped (subjects are case-sensitive and ids are lower-case UUIDs).
 */
@Injectable()
export class RecordPresenceUseCase {
  constructor(private readonly sessions: SessionsRepository) {}

  async execute(seen: SessionScope[]): Promise<number> {
    const unique = new Map<string, SessionScope>();
    for (const scope of seen) {
      if (UUID.test(scope.tenantId) && UUID.test(scope.sessionId)) unique.set(`${scope.tenantId}.${scope.sessionId}`, scope);
    }
    if (unique.size === 0) return 0;
    return this.sessions.recordPresence([...unique.values()]);
  }
}
