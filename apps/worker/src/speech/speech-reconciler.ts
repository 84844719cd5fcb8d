import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { RedisLease } from '../common/redis-lease';
import { REDIS_CLIENT } from '@avatar/messaging';
import { SPEAK_JOB, SPEAK_JOB_OPTIONS, SPEECH_QUEUE, SpeakJobData } from '@avatar/contracts';
import { SpeechTasksRepository, TaskRef } from '@avatar/persistence';
import { WORKER_CONFIG, WorkerConfig } from '../worker-config';
import { SpeechOrder } from './speech-order';
import { endingOf, TaskEndings } from '@avatar/speech';
import { Metrics } from '@avatar/observability';

/** Redis key of the reconciler's lease: one worker sweeps at a time. */
const LEASE_KEY = 'speech-reconciler:lease';
const BATCH = 200;

/**
 * Repairs what a process killed at the wrong moment leaves behind, within seconds
 * (docs/adr/0001):
 * - a task at the head of its session's line with no job (the gateway died between
 *   the insert and the queue add) is queued; one whose job is parked (its
 *   predecessor's worker died before waking it) is woken;
 * - a task that ended without its terminal event (its worker died in between) is
 *   announced.
 * It runs every SPEECH_RECONCILE_MS on the worker that holds a short Redis lease.
 */
@Injectable()
export class SpeechReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SpeechReconciler.name);
  private readonly lease: RedisLease;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly tasks: SpeechTasksRepository,
    private readonly order: SpeechOrder,
    private readonly endings: TaskEndings,
    @InjectQueue(SPEECH_QUEUE) private readonly queue: Queue<SpeakJobData>,
    @Inject(REDIS_CLIENT) redis: Redis,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    private readonly metrics: Metrics,
  ) {
    this.lease = new RedisLease(redis, LEASE_KEY, config.SPEECH_RECONCILE_MS * 3);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.sweep()
        .then(() => undefined, (err) => this.logger.warn(`reconcile failed: ${(err as Error).message}`))
        .finally(() => (this.running = undefined));
    }, this.config.SPEECH_RECONCILE_MS);
    this.timer.unref();
  }

  /** One pass; answers what it repaired. */
  async sweep(): Promise<{ queued: number; woken: number; announced: number }> {
    const done = { queued: 0, woken: 0, announced: 0 };
    if (!(await this.lease.hold())) return done;
    const { heads, unannounced } = await this.tasks.stale(this.config.SPEECH_RECONCILE_MS, BATCH);
    for (const task of heads) {
      const job = await this.queue.getJob(task.id);
      const state = job ? await job.getState() : 'missing';
      if (state === 'delayed') {
        await this.order.wake(task.id);
        done.woken++;
        this.metrics.counter('reaperActions').inc({ action: 'wake_task', reason: 'parked_head' });
      } else if (state === 'missing' || state === 'completed' || state === 'failed' || state === 'unknown') {
        // A finished job of a task still queued (a run that ended without an outcome) is replaced.
        if (job) await job.remove();
        await this.queue.add(SPEAK_JOB, jobOf(task), { ...SPEAK_JOB_OPTIONS, jobId: task.id });
        done.queued++;
        this.metrics.counter('reaperActions').inc({ action: 'queue_task', reason: state === 'missing' ? 'no_job' : `job_${state}` });
      }
    }
    for (const task of unannounced) {
      await this.endings.announce(task, [{ taskId: task.id, ending: endingOf(task.status as 'completed', task.error, task.spokenSeconds) }], { idle: false });
      done.announced++;
      this.metrics.counter('reaperActions').inc({ action: 'announce_ending', reason: task.status });
    }
    if (done.queued + done.woken + done.announced > 0) {
      this.logger.warn(`repaired: ${done.queued} task(s) queued, ${done.woken} woken, ${done.announced} ending(s) announced`);
    }
    return done;
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}

function jobOf(task: TaskRef): SpeakJobData {
  return {
    tenantId: task.tenantId,
    sessionId: task.sessionId,
    taskId: task.id,
    seq: task.seq,
    durationEstimateMs: task.durationEstimateMs,
    traceparent: task.traceparent ?? undefined,
  };
}
