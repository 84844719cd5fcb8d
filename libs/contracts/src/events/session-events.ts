/**
 * Events a session emits, as clients receive them over the WebSocket (shaped like the
 * reference: `{"type": "status", "status": "speaking", ...}`). On the wire the notifier
 * adds `id` (see ClientEventMessage).
 */

export const EVENT_TYPES = {
  FRAME: 'frame',
  AUDIO: 'audio',
  CHAT: 'chat',
  STATUS: 'status',
  ERROR: 'error',
  TASK_STARTED: 'task.started',
  TASK_COMPLETED: 'task.completed',
  TASK_INTERRUPTED: 'task.interrupted',
  TASK_FAILED: 'task.failed',
  SESSION_STARTED: 'session.started',
  SESSION_STOPPED: 'session.stopped',
} as const;
export type EventType = (typeof EVENT_TYPES)[keyof typeof EVENT_TYPES];

/**
 * Media events: high volume and only useful live. They travel on core NATS
 * (`live.<t>.<s>.<type>`), are never stored in the events stream nor the database
 * history, and are never replayed to a reconnecting client.
 */
export const MEDIA_EVENT_TYPES: readonly EventType[] = [EVENT_TYPES.FRAME, EVENT_TYPES.AUDIO];

/** True for frame and audio: live-only events (see MEDIA_EVENT_TYPES). */
export function isMediaEventType(type: string): type is 'frame' | 'audio' {
  return type === EVENT_TYPES.FRAME || type === EVENT_TYPES.AUDIO;
}

/** A task's terminal events: exactly one per task (its JetStream message id is the task's). */
export const TASK_ENDING_EVENT_TYPES = [EVENT_TYPES.TASK_COMPLETED, EVENT_TYPES.TASK_INTERRUPTED, EVENT_TYPES.TASK_FAILED] as const;

/** True for task.completed, task.interrupted and task.failed. */
export function isTaskEndingType(type: string): type is (typeof TASK_ENDING_EVENT_TYPES)[number] {
  return (TASK_ENDING_EVENT_TYPES as readonly string[]).includes(type);
}

export type AvatarStatus = 'listening' | 'speaking' | 'idle';

export interface FrameEvent {
  type: 'frame';
  task_id: string;
  frame_id: number;
  /** Seconds since the epoch, like the reference. */
  timestamp: number;
  /** Mouth shape shown in this frame. */
  viseme: string;
  /** Base64 image of the frame. */
  data: string;
  mime_type: string;
}
export interface AudioEvent {
  type: 'audio';
  task_id: string;
  data: string;
  duration: number;
  sample_rate: number;
}
export interface ChatEvent {
  type: 'chat';
  role: 'user' | 'agent';
  content: string;
}
export interface StatusEvent {
  type: 'status';
  status: AvatarStatus;
  message: string;
}
export interface ErrorEvent {
  type: 'error';
  code: string;
  message: string;
}
export interface TaskStartedEvent {
  type: 'task.started';
  task_id: string;
  duration_estimate: number;
  /** 1 on the first try; a task retried or taken over from a dead worker starts again with 2, 3… */
  attempt: number;
}
export interface TaskCompletedEvent {
  type: 'task.completed';
  task_id: string;
  /** Seconds the speech took. */
  duration: number;
}
export interface TaskInterruptedEvent {
  type: 'task.interrupted';
  task_id: string;
}
export interface TaskFailedEvent {
  type: 'task.failed';
  task_id: string;
  error: string;
}
export interface SessionStartedEvent {
  type: 'session.started';
}
export interface SessionStoppedEvent {
  type: 'session.stopped';
  /** Seconds, to the millisecond. */
  duration: number;
  /** What the tenant's billing rule makes of it (whole seconds). */
  billed_seconds?: number;
  /** client_stop, idle_timeout, max_duration, reaped, tenant_disabled, quota_exhausted. */
  reason: string;
}

export type SessionEvent =
  | FrameEvent
  | AudioEvent
  | ChatEvent
  | StatusEvent
  | ErrorEvent
  | TaskStartedEvent
  | TaskCompletedEvent
  | TaskInterruptedEvent
  | TaskFailedEvent
  | SessionStartedEvent
  | SessionStoppedEvent;

/** Live-only events (core NATS, never stored, never replayed). */
export type MediaEvent = FrameEvent | AudioEvent;
/** Events kept in the stream: replayed to a reconnecting client, recorded in the history. */
export type LifecycleEvent = Exclude<SessionEvent, MediaEvent>;

/** What travels on NATS: the event plus whose it is. Clients never see `tenant_id`. */
export interface EventEnvelope<E extends SessionEvent = SessionEvent> {
  tenant_id: string;
  session_id: string;
  /** ISO time the event was emitted. */
  emitted_at: string;
  event: E;
}

/**
 * What a WebSocket client receives: the event, its id and session. A lifecycle event's
 * id is its stream sequence (increasing within the session); a media event carries the
 * id of the last lifecycle event sent before it on that socket (non-decreasing), so a
 * reconnect with `last_event_id` never skips a lifecycle event.
 */
export type ClientEventMessage = SessionEvent & { id: number; session_id: string };
