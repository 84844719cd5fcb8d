import { Injectable } from '@nestjs/common';
import { InterruptCommand, InterruptReply } from '@avatar/contracts';
import { SpeechTasksRepository } from '@avatar/persistence';
import { SessionScope } from '@avatar/messaging';
import { InterruptDispatcher } from '@avatar/speech';

/**
 * Interrupts the session's pending tasks whatever the session's state: a socket's
 * interrupt (the notifier checked the session when it opened), a stop (the session is
 * already stopped) and a task found waiting in a stopped session come here. The
 * gateway's `streaming.interrupt` runs its own statement, which also checks that the
 * session is active, and the same dispatch.
 */
@Injectable()
export class InterruptSessionUseCase {
  constructor(
    private readonly tasks: SpeechTasksRepository,
    private readonly dispatcher: InterruptDispatcher,
  ) {}

  async execute(scope: SessionScope, _command: InterruptCommand): Promise<InterruptReply> {
    const interrupted = await this.tasks.interruptPending(scope.tenantId, scope.sessionId);
    await this.dispatcher.dispatch(scope, interrupted);
    return { interrupted_task_ids: interrupted.map((t) => t.id) };
  }
}
