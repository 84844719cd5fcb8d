import { Injectable } from '@nestjs/common';
import { COMMANDS, HaltCommand } from '@avatar/contracts';
import type { InterruptedTask } from '@avatar/persistence';
import { CommandBus, SessionScope } from '@avatar/messaging';
import { TaskEndings } from './task-endings';

/**
 * What follows the statement that interrupted a session's tasks, wherever it ran (the
 * gateway for `streaming.interrupt`, a worker for socket interrupts and stops): a halt
 * goes out every time, even with nothing speaking, because a chat reply streaming into
 * the session listens for it and stops generating; the speaking task is halted on
 * whichever worker holds it, and that worker ends and
 * announces it (then `status idle`) once its speech has really stopped; queued tasks
 * ended at once and are announced here. A lost halt is caught by the speaker's
 * re-check (InterruptWatch) or, when its worker died, by the worker taking it over.
 */
@Injectable()
export class InterruptDispatcher {
  constructor(
    private readonly commands: CommandBus,
    private readonly endings: TaskEndings,
  ) {}

  async dispatch(scope: SessionScope, interrupted: InterruptedTask[]): Promise<void> {
    const speaking = interrupted.filter((t) => t.previous === 'speaking').map((t) => t.id);
    this.commands.broadcast<HaltCommand>(scope, COMMANDS.HALT, { task_ids: speaking });
    const queued = interrupted.filter((t) => t.previous === 'queued');
    await this.endings.announce(
      scope,
      queued.map((t) => ({ taskId: t.id, ending: { type: 'task.interrupted' as const } })),
      { idle: speaking.length === 0 },
    );
  }
}
