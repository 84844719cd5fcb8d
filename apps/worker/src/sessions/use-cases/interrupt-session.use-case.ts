import { Injectable } from '@nestjs/common';
import { COMMANDS, HaltCommand, InterruptCommand, InterruptReply, SessionEvent } from '@avatar/contracts';
import { SpeechTasksRepository } from '@avatar/persistence';
import { CommandBus, EventPublisher, SessionScope } from '@avatar/messaging';

/**
 * Ends the session's speaking task and every queued one as `interrupted`. Queued
 * tasks are announced here; the speaking one is halted on whichever worker holds it,
 * and that worker announces it (and `status idle`) when the speech has really stopped.
 */
@Injectable()
export class InterruptSessionUseCase {
  constructor(
    private readonly tasks: SpeechTasksRepository,
    private readonly events: EventPublisher,
    private readonly commands: CommandBus,
  ) {}

  async execute(scope: SessionScope, _command: InterruptCommand): Promise<InterruptReply> {
    const interrupted = await this.tasks.interruptPending(scope.tenantId, scope.sessionId);
    const speaking = interrupted.filter((t) => t.previous === 'speaking').map((t) => t.id);
    const announcements: SessionEvent[] = interrupted
      .filter((t) => t.previous === 'queued')
      .map((t) => ({ type: 'task.interrupted', task_id: t.id }));
    if (speaking.length > 0) {
      this.commands.broadcast<HaltCommand>(scope, COMMANDS.HALT, { task_ids: speaking });
    } else if (announcements.length > 0) {
      announcements.push({ type: 'status', status: 'idle', message: 'Avatar was interrupted' });
    }
    await this.events.publishAll(scope, announcements);
    return { interrupted_task_ids: interrupted.map((t) => t.id) };
  }
}
