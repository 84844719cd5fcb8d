import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { Job, Queue, UnrecoverableError } from 'bullmq';
import { SPEECH_QUEUE, SpeakJobData } from '@avatar/contracts';
import { cachedReading, Metrics } from '@avatar/observability';
import { ActiveSpeech } from '../speech/active-speech';
import { SpeechProcessor } from '../speech/speech.processor';
import { RetryableSpeechError } from '../speech/use-cases/run-speech-task.use-case';

/** Queue states exported as `avatar_speech_queue_jobs{state}`. */
export const QUEUE_STATES = ['waiting', 'active', 'delayed'] as const;
/** What a job's return value may be (RunOutcome of an ended job); anything else is `other`. */
const ENDED = new Set(['spoken', 'interrupted', 'skipped']);
/** The queue is counted at most this often, and given up on after READ_TIMEOUT_MS (Redis down: no series). */
const QUEUE_TTL_MS = 1000;
const READ_TIMEOUT_MS = 2000;

/**
 * The worker's speech metrics that need no change to the speech code: the queue's
 * depth by state (read from Redis at scrape time), the tasks this worker speaks now,
 * and how long each job it ran took, by outcome (the BullMQ worker's completed and
 * failed events: from taking the job to its end).
 */
@Injectable()
export class SpeechMetrics implements OnApplicationBootstrap {
  private readonly logger = new Logger(SpeechMetrics.name);
  private readonly counts: () => Promise<Record<string, number>>;

  constructor(
    private readonly metrics: Metrics,
    private readonly processor: SpeechProcessor,
    private readonly active: ActiveSpeech,
    @InjectQueue(SPEECH_QUEUE) queue: Queue<SpeakJobData>,
  ) {
    this.counts = cachedReading(() => queue.getJobCounts(...QUEUE_STATES), { ttlMs: QUEUE_TTL_MS, timeoutMs: READ_TIMEOUT_MS });
  }

  onApplicationBootstrap(): void {
    this.metrics.observe('speechQueueJobs', async (gauge) => {
      gauge.reset();
      try {
        const counts = await this.counts();
        for (const state of QUEUE_STATES) gauge.set({ state }, counts[state] ?? 0);
      } catch (err) {
        this.logger.debug(`speech queue not counted: ${(err as Error).message}`);
      }
    });
    this.metrics.observe('speechTasksSpeaking', (gauge) => gauge.set(this.active.size));
    const durations = this.metrics.histogram('speechJobDuration');
    const record = (job: Job | undefined, outcome: string) => {
      if (job?.processedOn && job.finishedOn && job.finishedOn >= job.processedOn) durations.observe({ outcome }, (job.finishedOn - job.processedOn) / 1000);
    };
    this.processor.worker.on('completed', (job, result) => record(job, ENDED.has(result as string) ? (result as string) : 'other'));
    this.processor.worker.on('failed', (job, err) => record(job, jobFailure(err)));
  }
}

/** failed: the task failed for good; retried: a transient failure, tried again after a backoff; error: anything else. */
export function jobFailure(err: Error): 'failed' | 'retried' | 'error' {
  if (err instanceof UnrecoverableError || err.name === 'UnrecoverableError') return 'failed';
  if (err instanceof RetryableSpeechError) return 'retried';
  return 'error';
}
