import { Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { SpanKind } from '@opentelemetry/api';
import { SPEAK_JOB, SPEAK_JOB_OPTIONS, SPEECH_QUEUE, SpeakJobData, TenantScope } from '@avatar/contracts';
import { EnqueueConditions, EnqueueResult, NewSpeechTask, SpeechTasksRepository } from '@avatar/persistence';
import { ATTR, inSpan, scopeAttributes, traceparentOf } from '@avatar/observability';

/** The speech queue could not take the job: the task was taken back (the caller answers "try again"). */
export class SpeechQueueUnavailableError extends Error {}

/**
 * Puts a speech task in its session's line: the task takes the next place in the
 * session's order (database, one statement with its checks), then its job is queued
 * (Redis). If queueing fails the task is removed again, so the caller's failure
 * leaves nothing half-done. Every producer of tasks (avatar.speak, chat replies,
 * audio commits) comes through here. Not part of SpeechModule: it needs the app's
 * speech queue, so each app lists it in its own providers.
 */
@Injectable()
export class SpeechTaskQueue {
  private readonly logger = new Logger(SpeechTaskQueue.name);

  constructor(
    private readonly tasks: SpeechTasksRepository,
    @InjectQueue(SPEECH_QUEUE) private readonly queue: Queue<SpeakJobData>,
  ) {}

  /**
   * The enqueue outcome; throws SpeechQueueUnavailableError when the job could not be
   * queued. Runs in a `speech.enqueue` span (PRODUCER) whose context, written by the
   * OpenTelemetry propagator, is the task's `traceparent`: on its row (so a job the
   * reconciler re-queues continues the same trace) and in its job (the worker's
   * `speech.task` span is its child).
   */
  add(tenantId: TenantScope, sessionId: string, task: NewSpeechTask, conditions: EnqueueConditions): Promise<EnqueueResult> {
    const attributes = {
      ...scopeAttributes({ tenantId, sessionId }),
      [ATTR.TASK_ID]: task.id,
      [ATTR.MESSAGING_SYSTEM]: 'bullmq',
      [ATTR.MESSAGING_OPERATION_TYPE]: 'send',
      [ATTR.MESSAGING_DESTINATION]: SPEECH_QUEUE,
      [ATTR.MESSAGING_MESSAGE_ID]: task.id,
    };
    return inSpan('speech.enqueue', { kind: SpanKind.PRODUCER, attributes }, async (span) => {
      const result = await this.enqueue(tenantId, sessionId, { ...task, traceparent: traceparentOf() }, conditions);
      span.setAttribute(ATTR.OUTCOME, result.outcome);
      if (result.outcome === 'queued') span.setAttribute(ATTR.TASK_SEQ, result.task.seq);
      return result;
    });
  }

  private async enqueue(tenantId: TenantScope, sessionId: string, task: NewSpeechTask, conditions: EnqueueConditions): Promise<EnqueueResult> {
    const result = await this.tasks.enqueue(tenantId, sessionId, task, conditions);
    if (result.outcome !== 'queued') return result;
    const queued = result.task;
    try {
      await this.queue.add(
        SPEAK_JOB,
        { tenantId, sessionId, taskId: queued.id, seq: queued.seq, durationEstimateMs: task.durationEstimateMs, traceparent: task.traceparent },
        { ...SPEAK_JOB_OPTIONS, jobId: queued.id },
      );
    } catch (err) {
      this.logger.error(`could not queue task ${queued.id}: ${(err as Error).message}`);
      await this.tasks.discard(tenantId, queued.id).catch((discardErr: Error) => {
        // The task stays queued without a job: the workers' reconciler queues it within
        // seconds (the caller was told to retry; at worst it is spoken once).
        this.logger.error(`could not discard task ${queued.id}: ${discardErr.message}`);
      });
      throw new SpeechQueueUnavailableError(`the speech queue is unavailable: ${(err as Error).message}`);
    }
    return result;
  }
}
