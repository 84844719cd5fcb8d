import { Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { Job, Queue } from 'bullmq';
import { SPEECH_QUEUE, SpeakJobData } from '@avatar/contracts';

/**
 * A waiting task's job is parked as delayed for this long: far longer than any wait.
 * It is woken by its predecessor when that ends, or by the reconciler if the
 * predecessor's process died first (docs/adr/0001): waiting costs nothing.
 */
export const PARKED_FOR_MS = 10 * 60_000;

/**
 * Keeps each session's tasks in order across any number of workers (docs/adr/0001):
 * the database decides whose turn it is (the claim); a job whose turn has not come
 * is parked, and the task before it wakes it when it ends.
 */
@Injectable()
export class SpeechOrder {
  private readonly logger = new Logger(SpeechOrder.name);

  constructor(@InjectQueue(SPEECH_QUEUE) private readonly queue: Queue<SpeakJobData>) {}

  /** Parks the job (the caller then throws DelayedError). */
  async park(job: Job<SpeakJobData>, token: string | undefined, forMs = PARKED_FOR_MS): Promise<void> {
    await job.moveToDelayed(Date.now() + forMs, token);
  }

  /** Wakes the task's job if it is parked; answers whether a job exists at all. */
  async wake(taskId: string): Promise<boolean> {
    const parked = await this.queue.getJob(taskId);
    if (!parked) return false;
    try {
      await parked.promote();
    } catch (err) {
      // Not delayed (any more): it is already waiting or running, nothing to wake.
      this.logger.debug(`task ${taskId} not promoted: ${(err as Error).message}`);
    }
    return true;
  }
}
