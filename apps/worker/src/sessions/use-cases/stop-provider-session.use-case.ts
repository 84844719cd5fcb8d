import { Injectable, Logger } from '@nestjs/common';
import { StopCommand, StopReply } from '@avatar/contracts';
import { SessionsRepository } from '@avatar/persistence';
import { ProviderRegistry } from '@avatar/providers';
import { SessionScope } from '@avatar/messaging';
import { InterruptSessionUseCase } from './interrupt-session.use-case';

/**
 * After streaming.stop has fixed the duration: drops the session's tasks and ends
 * the vendor session. A vendor that fails to stop is logged; the session is stopped
 * for billing either way.
 */
@Injectable()
export class StopProviderSessionUseCase {
  private readonly logger = new Logger(StopProviderSessionUseCase.name);

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly providers: ProviderRegistry,
    private readonly interruptSession: InterruptSessionUseCase,
  ) {}

  async execute(scope: SessionScope, command: StopCommand): Promise<StopReply> {
    const reply = await this.interruptSession.execute(scope, { reason: 'session_stopped' });
    const session = await this.sessions.find(scope.tenantId, scope.sessionId);
    if (session?.providerSessionId) {
      try {
        await this.providers.get(session.provider).stop(
          {
            providerSessionId: session.providerSessionId,
            spec: { ...scope, avatarId: session.avatarId, voiceId: session.voiceId ?? undefined, quality: session.quality },
          },
          command.reason,
        );
      } catch (err) {
        this.logger.warn(`provider ${session.provider} did not stop session ${scope.sessionId}: ${(err as Error).message}`);
      }
    }
    return reply;
  }
}
