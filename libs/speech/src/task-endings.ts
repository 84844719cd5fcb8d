import { Injectable } from '@nestjs/common';
import { SessionEvent } from '@avatar/contracts';
import { EventPublisher, SessionScope } from '@avatar/messaging';

/** How a task ended, as its terminal event says it. */
export type TaskEnding =
  | { type: 'task.completed'; duration: number }
  | { type: 'task.interrupted' }
  | { type: 'task.failed'; error: string };

/** The terminal event of a task that ended with `status` (read back from the database). */
export function endingOf(status: 'completed' | 'interrupted' | 'failed', error: string | null, spokenSeconds: number): TaskEnding {
  if (status === 'completed') return { type: 'task.completed' as const, duration: spokenSeconds };
  if (status === 'failed') return { type: 'task.failed' as const, error: error ?? 'failed' };
  return { type: 'task.interrupted' as const };
}

const IDLE_MESSAGES: Record<TaskEnding['type'], string> = {
  'task.completed': 'Avatar is idle',
  'task.interrupted': 'Avatar was interrupted',
  'task.failed': 'Avatar is idle',
};

/**
 * Publishes a task's terminal event (and `status idle` when the session has nothing
 * more to say). The history recorder marks the task announced when it reads the event
 * back from the stream; a task that ended without its announcement (its process died
 * in between) is announced by the reconciler, and the stream keeps one terminal event
 * per task whoever sends it (its message id is the task's): every task gets exactly one.
 */
@Injectable()
export class TaskEndings {
  constructor(private readonly events: EventPublisher) {}

  async announce(scope: SessionScope, endings: Array<{ taskId: string; ending: TaskEnding }>, options: { idle: boolean }): Promise<void> {
    if (endings.length === 0) return;
    const events: SessionEvent[] = endings.map(({ taskId, ending }) => ({ ...ending, task_id: taskId }) as SessionEvent);
    if (options.idle) events.push({ type: 'status', status: 'idle', message: IDLE_MESSAGES[endings.at(-1)!.ending.type] });
    await this.events.publishAll(scope, events);
  }
}
