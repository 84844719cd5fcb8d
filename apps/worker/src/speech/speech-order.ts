import { Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { SpeakJobData } from '@avatar/contracts';
import { SpeechTasksRepository } from '@avatar/persistence';

export const SPEECH_QUEUE_CLIENT = Symbol('SPEECH_QUEUE_CLIENT');

/**
 * Keeps each session's tasks in order across any number of workers (docs/adr/0001):
 * a task may start only when every earlier task of its session has finished; a task
 * that must wait is parked as a delayed job, and the task before it wakes it when it
 * ends.
 */
@Injectable()
export class SpeechOrder {
  private readonly logger = new Logger(SpeechOrder.name);

  constructor(
    private readonly tasks: SpeechTasksRepository,
    @Inject(SPEECH_QUEUE_CLIENT) private readonly queue: Queue<SpeakJobData>,
  ) {}

  mustWait(job: SpeakJobData): Promise<boolean> {
    return this.tasks.hasUnfinishedPredecessor(job.tenantId, job.sessionId, job.seq);
  }

  /** Promotes the session's next waiting task, if it is parked. */
  async wakeSuccessor(job: SpeakJobData): Promise<void> {
    const next = await this.tasks.nextQueued(job.tenantId, job.sessionId, job.seq);
    if (next) await this.wake(next.id);
  }

  async wake(taskId: string): Promise<void> {
    const parked = await this.queue.getJob(taskId);
    if (!parked) return;
    try {
      await parked.promote();
    } catch (err) {
      // Not delayed (any more): it is already waiting or running, nothing to wake.
      this.logger.debug(`task ${taskId} not promoted: ${(err as Error).message}`);
    }
  }
}
