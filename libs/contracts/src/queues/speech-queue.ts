/** The BullMQ queue that carries speech tasks from the gateway to the workers. */
export const SPEECH_QUEUE = 'speech-tasks';
export const SPEAK_JOB = 'speak';

export interface SpeakJobData {
  tenantId: string;
  sessionId: string;
  taskId: string;
  /** The task's position in its session: tasks are spoken in this order. */
  seq: number;
  /** W3C trace context of the request that queued the task. */
  traceparent?: string;
}
