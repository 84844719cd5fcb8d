import { Injectable } from '@nestjs/common';
import { ReleaseCommand } from '@avatar/contracts';
import { SessionsRepository } from '@avatar/persistence';
import { ProviderRegistry } from '@avatar/providers';
import { SessionScope } from '@avatar/messaging';

/**
 * Ends a vendor session that was opened for a start which then lost a race (another
 * start won, or a stop came first): nobody will use it, and vendors bill open sessions.
 */
@Injectable()
export class ReleaseProviderSessionUseCase {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly providers: ProviderRegistry,
  ) {}

  async execute(scope: SessionScope, command: ReleaseCommand): Promise<void> {
    const session = await this.sessions.find(scope.tenantId, scope.sessionId);
    if (!session || session.providerSessionId === command.provider_session_id) return;
    await this.providers.get(command.provider).stop(
      {
        providerSessionId: command.provider_session_id,
        spec: { ...scope, avatarId: session.avatarId, voiceId: session.voiceId ?? undefined, quality: session.quality },
      },
      'start_lost_race',
    );
  }
}
