import { Injectable } from '@nestjs/common';
import { CloseCommand, COMMANDS, ReleaseCommand } from '@avatar/contracts';
import { ProviderSessions } from '../../providers/provider-sessions';
import { SessionsRepository } from '@avatar/persistence';
import { ProviderRegistry } from '@avatar/providers';
import { CommandBus, SessionScope } from '@avatar/messaging';

/**
 * Ends a vendor session that was opened for a start which then lost a race (another
 * start won, or a stop came first): nobody will use it, and vendors bill open sessions.
 */
@Injectable()
export class ReleaseProviderSessionUseCase {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly providers: ProviderRegistry,
    private readonly providerSessions: ProviderSessions,
    private readonly commands: CommandBus,
  ) {}

  async execute(scope: SessionScope, command: ReleaseCommand): Promise<void> {
    const session = await this.sessions.find(scope.tenantId, scope.sessionId);
    if (!session || session.providerSessionId === command.provider_session_id) return;
    const ref = await this.providerSessions.ref(scope, command.provider, { ...session, providerSessionId: command.provider_session_id, providerState: command.provider_state });
    await this.providers.get(command.provider).stop(ref, 'start_lost_race');
    // A stateful one was opened (and owned) by the worker that started it: it closes there.
    this.commands.broadcast<CloseCommand>(scope, COMMANDS.CLOSE, { reason: 'start_lost_race', provider_session_id: command.provider_session_id });
  }
}
