import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DelayedError, Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { SPEECH_QUEUE, SpeakJobData } from '@avatar/contracts';
import { continueTrace, runInTrace } from '@avatar/observability';
import { WORKER_CONFIG, WorkerConfig } from '../worker-config';
import { RunSpeechTaskUseCase } from './use-cases/run-speech-task.use-case';
import { SpeechOrder } from './speech-order';

export const WORKER_REDIS = Symbol('WORKER_REDIS');

/** Maps BullMQ speak jobs to RunSpeechTask, and parks a job whose turn has not come. */
@Injectable()
export class SpeechProcessor implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SpeechProcessor.name);
  private worker?: Worker<SpeakJobData>;

  constructor(
    private readonly runSpeechTask: RunSpeechTaskUseCase,
    private readonly order: SpeechOrder,
    @Inject(WORKER_REDIS) private readonly redis: Redis,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
  ) {}

  onModuleInit(): void {
    this.worker = new Worker<SpeakJobData>(SPEECH_QUEUE, (job, token) => this.process(job, token), {
      connection: this.redis,
      concurrency: this.config.WORKER_CONCURRENCY,
      lockDuration: this.config.SPEECH_LOCK_MS,
      stalledInterval: this.config.SPEECH_LOCK_MS,
    });
    this.worker.on('error', (err) => this.logger.error(`queue error: ${err.message}`));
  }

  private process(job: Job<SpeakJobData>, token?: string): Promise<string> {
    return runInTrace(continueTrace(job.data.traceparent), async () => {
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const outcome = await this.runSpeechTask.execute(job.data, { last });
      if (outcome === 'wait') await this.park(job, token);
      if (outcome === 'failed') throw new UnrecoverableError(`task ${job.data.taskId} failed`);
      return outcome;
    });
  }

  /**
   * Delays the job until its predecessor wakes it. The predecessor may have finished
   * between our check and the park; checking again after parking closes that gap.
   */
  private async park(job: Job<SpeakJobData>, token?: string): Promise<never> {
    await job.moveToDelayed(Date.now() + this.config.SPEECH_ORDER_RECHECK_MS, token);
    if (!(await this.order.mustWait(job.data))) await this.order.wake(job.data.taskId);
    throw new DelayedError();
  }

  async onApplicationShutdown(): Promise<void> {
    // Stop taking jobs and let the tasks being spoken finish: a clean shutdown cuts
    // nobody off. (A crash is covered by BullMQ's stalled-job recovery.)
    await this.worker?.close();
  }
}
