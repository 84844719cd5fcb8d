import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { DelayedError, Job, UnrecoverableError, WorkerOptions } from 'bullmq';
import { SPEECH_QUEUE, SpeakJobData } from '@avatar/contracts';
import { continueTrace, runInTrace } from '@avatar/observability';
import { WORKER_CONFIG, WorkerConfig } from '../worker-config';
import { RunSpeechTaskUseCase } from './use-cases/run-speech-task.use-case';
import { SpeechOrder } from './speech-order';
import { ActiveSpeech } from './active-speech';

/**
 * The speech worker's options, from the validated config. A dead worker's job lock
 * expires within 80 % of SPEECH_TAKEOVER_MS and the stalled check runs every 20 %, so
 * its task is taken over within SPEECH_TAKEOVER_MS.
 */
export function speechWorkerOptions(config: WorkerConfig): Omit<WorkerOptions, 'connection'> {
  const lockDuration = Math.round(config.SPEECH_TAKEOVER_MS * 0.8);
  return {
    concurrency: config.WORKER_CONCURRENCY,
    lockDuration,
    lockRenewTime: Math.round(lockDuration / 2),
    stalledInterval: Math.round(config.SPEECH_TAKEOVER_MS * 0.2),
    // A task is taken over as often as its workers die; it is never failed for it.
    maxStalledCount: Number.MAX_SAFE_INTEGER,
  };
}

/**
 * The processor of the speech queue, with its options from the config. The options
 * are known only at start-up, so the module applies @Processor here instead of on
 * the class.
 */
export function registerSpeechProcessor(config: WorkerConfig): typeof SpeechProcessor {
  Processor(SPEECH_QUEUE, speechWorkerOptions(config))(SpeechProcessor);
  return SpeechProcessor;
}

/**
 * Maps BullMQ speak jobs to RunSpeechTask: parks a job whose turn has not come, puts
 * a handed-back job straight back in line, and on shutdown drains — tasks being
 * spoken get SPEECH_DRAIN_GRACE_MS to finish, then are handed to another worker.
 */
@Injectable()
export class SpeechProcessor extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SpeechProcessor.name);

  constructor(
    private readonly runSpeechTask: RunSpeechTaskUseCase,
    private readonly order: SpeechOrder,
    private readonly active: ActiveSpeech,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.on('error', (err) => this.logger.error(`queue error: ${err.message}`));
  }

  async process(job: Job<SpeakJobData>, token?: string): Promise<string> {
    return runInTrace(continueTrace(job.data.traceparent), async () => {
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const outcome = await this.runSpeechTask.execute(job.data, { last });
      if (outcome === 'wait') {
        await this.order.park(job, token);
        throw new DelayedError();
      }
      if (outcome === 'handover') {
        // Due at once: another worker (not this one, which is closing) takes it.
        await this.order.park(job, token, 0);
        throw new DelayedError();
      }
      if (outcome === 'failed') throw new UnrecoverableError(`task ${job.data.taskId} failed`);
      return outcome;
    });
  }

  /**
   * Drain: stop taking jobs, let the tasks being spoken finish within the grace, then
   * hand the rest back (they go straight back in line for another worker).
   */
  async beforeApplicationShutdown(): Promise<void> {
    const grace = setTimeout(() => {
      const handed = this.active.abortAll('handover');
      if (handed > 0) this.logger.log(`handing ${handed} task(s) back to the queue`);
    }, this.config.SPEECH_DRAIN_GRACE_MS);
    try {
      await this.worker.close();
    } finally {
      clearTimeout(grace);
    }
  }
}
