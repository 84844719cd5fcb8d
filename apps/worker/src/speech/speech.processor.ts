import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { DelayedError, Job, UnrecoverableError, WorkerOptions } from 'bullmq';
import { SpanKind } from '@opentelemetry/api';
import { SPEECH_QUEUE, SpeakJobData } from '@avatar/contracts';
import { ATTR, contextFromTraceparent, failSpan, platformTracer, scopeAttributes } from '@avatar/observability';
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

  /**
   * One run of a job, in a `speech.task` span (CONSUMER), child of the `speech.enqueue`
   * span named by the job's traceparent: one trace from the speak request to the
   * events. A parked job (not its turn yet) runs again later: another span, outcome `wait`.
   */
  async process(job: Job<SpeakJobData>, token?: string): Promise<string> {
    const attributes = {
      ...scopeAttributes(job.data),
      [ATTR.TASK_ID]: job.data.taskId,
      [ATTR.TASK_SEQ]: job.data.seq,
      [ATTR.ATTEMPT]: job.attemptsMade + 1,
      [ATTR.MESSAGING_SYSTEM]: 'bullmq',
      [ATTR.MESSAGING_OPERATION_TYPE]: 'process',
      [ATTR.MESSAGING_DESTINATION]: SPEECH_QUEUE,
      [ATTR.MESSAGING_MESSAGE_ID]: job.id ?? job.data.taskId,
    };
    return platformTracer().startActiveSpan('speech.task', { kind: SpanKind.CONSUMER, attributes }, contextFromTraceparent(job.data.traceparent), async (span) => {
      try {
        const outcome = await this.run(job, token);
        span.setAttribute(ATTR.OUTCOME, outcome);
        return outcome;
      } catch (err) {
        if (err instanceof DelayedError) span.setAttribute(ATTR.OUTCOME, (err as DelayedError & { outcome?: string }).outcome ?? 'wait');
        else failSpan(span, err);
        throw err;
      } finally {
        span.end();
      }
    });
  }

  private async run(job: Job<SpeakJobData>, token?: string): Promise<string> {
    const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const outcome = await this.runSpeechTask.execute(job.data, { last, queuedAt: job.timestamp });
    if (outcome === 'wait') {
      await this.order.park(job, token);
      throw Object.assign(new DelayedError(), { outcome });
    }
    if (outcome === 'handover') {
      // Due at once: another worker (not this one, which is closing) takes it.
      await this.order.park(job, token, 0);
      throw Object.assign(new DelayedError(), { outcome });
    }
    if (outcome === 'failed') throw new UnrecoverableError(`task ${job.data.taskId} failed`);
    return outcome;
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
