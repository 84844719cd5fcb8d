import type { TenantScope } from '../tenancy/tenant-scope';
/** The BullMQ queue that carries speech tasks from the gateway to the workers. */
export const SPEECH_QUEUE = 'speech-tasks';
export const SPEAK_JOB = 'speak';

export interface SpeakJobData {
  /** Put on the job by the gateway's authenticated request: on record. */
  tenantId: TenantScope;
  sessionId: string;
  taskId: string;
  /** The task's position in its session: tasks are spoken in this order. */
  seq: number;
  /** Expected speech length: the worker reserves frame ids for it. */
  durationEstimateMs?: number;
  /**
   * W3C `traceparent` of the `speech.enqueue` span that queued the task (written by the
   * OpenTelemetry propagator; the same value is on the task's row): the worker's
   * `speech.task` span is its child. Absent when tracing is off.
   */
  traceparent?: string;
}

/**
 * How a speak job is retried and kept. Transient provider errors retry with
 * exponential backoff; finished jobs are pruned (the database keeps the history).
 */
export const SPEAK_JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: 'exponential' as const, delay: 500 },
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};
