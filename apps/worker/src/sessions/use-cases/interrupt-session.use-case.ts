import { Injectable } from '@nestjs/common';
import { COMMANDS, HaltCommand, InterruptCommand, InterruptReply } from '@avatar/contracts';
import { SpeechTasksRepository } from '@avatar/persistence';
import { CommandBus, SessionScope } from '@avatar/messaging';
import { TaskEndings } from '../../speech/task-endings';

/**
 * Interrupts the session: its queued tasks end `interrupted` and are announced here;
 * the speaking one is marked and halted on whichever worker holds it, and that
 * worker ends and announces it (then `status idle`) once the speech has really
 * stopped. If the halt is lost, the speaker's re-check (InterruptWatch) or, when its
 * worker died, the worker that takes the job over, finishes the job.
 */
@Injectable()
export class InterruptSessionUseCase {
  constructor(
    private readonly tasks: SpeechTasksRepository,
    private readonly endings: TaskEndings,
    private readonly commands: CommandBus,
  ) {}

  async execute(scope: SessionScope, _command: InterruptCommand): Promise<InterruptReply> {
    const interrupted = await this.tasks.interruptPending(scope.tenantId, scope.sessionId);
    const speaking = interrupted.filter((t) => t.previous === 'speaking').map((t) => t.id);
    if (speaking.length > 0) this.commands.broadcast<HaltCommand>(scope, COMMANDS.HALT, { task_ids: speaking });
    const queued = interrupted.filter((t) => t.previous === 'queued');
    await this.endings.announce(
      scope,
      queued.map((t) => ({ taskId: t.id, ending: { type: 'task.interrupted' as const } })),
      { idle: speaking.length === 0 },
    );
    return { interrupted_task_ids: interrupted.map((t) => t.id) };
  }
}
