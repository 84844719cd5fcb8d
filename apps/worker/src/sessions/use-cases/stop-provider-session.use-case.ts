import { Injectable, Logger } from '@nestjs/common';
import { CloseCommand, COMMANDS, StopCommand, StopReply } from '@avatar/contracts';
import { ProviderSessions } from '../../providers/provider-sessions';
import { SessionsRepository, SpeechTasksRepository } from '@avatar/persistence';
import { ProviderRegistry } from '@avatar/providers';
import { CommandBus, SessionScope } from '@avatar/messaging';
import { InterruptSessionUseCase } from './interrupt-session.use-case';

/** How often, and how long at most, stop waits for an interrupted speaker to fall silent. */
const SILENCE_POLL_MS = 20;
const SILENCE_WAIT_MS = 3000;

/**
 * After streaming.stop has fixed the duration: drops the session's tasks, waits (a
 * little) until the one being spoken has stopped and announced its end, and ends the
 * vendor session (and tells its owner to close the connection); only then does the caller announce `session.stopped`, which closes
 * the session's sockets, so clients see every task's terminal event first. A vendor
 * that fails to stop is logged; the session is stopped for billing either way.
 */
@Injectable()
export class StopProviderSessionUseCase {
  private readonly logger = new Logger(StopProviderSessionUseCase.name);

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly providers: ProviderRegistry,
    private readonly interruptSession: InterruptSessionUseCase,
    private readonly tasks: SpeechTasksRepository,
    private readonly providerSessions: ProviderSessions,
    private readonly commands: CommandBus,
  ) {}

  async execute(scope: SessionScope, command: StopCommand): Promise<StopReply> {
    const reply = await this.interruptSession.execute(scope, { reason: 'session_stopped' });
    await this.untilSilent(scope);
    const session = await this.sessions.find(scope.tenantId, scope.sessionId);
    if (session?.providerSessionId) {
      try {
        const ref = await this.providerSessions.ref(scope, session.provider, session);
        await this.providers.get(session.provider).stop(ref, command.reason);
      } catch (err) {
        this.logger.warn(`provider ${session.provider} did not stop session ${scope.sessionId}: ${(err as Error).message}`);
      }
    }
    // Wherever the session's vendor connection is held (its owner), it closes now.
    this.commands.broadcast<CloseCommand>(scope, COMMANDS.CLOSE, { reason: command.reason });
    return reply;
  }

  private async untilSilent(scope: SessionScope): Promise<void> {
    const deadline = Date.now() + SILENCE_WAIT_MS;
    while (await this.tasks.isSpeaking(scope.tenantId, scope.sessionId)) {
      if (Date.now() > deadline) {
        // Its worker died: the worker that takes the job over ends and announces it.
        this.logger.warn(`session ${scope.sessionId}: the interrupted speaker did not confirm within ${SILENCE_WAIT_MS} ms`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, SILENCE_POLL_MS));
    }
  }
}
