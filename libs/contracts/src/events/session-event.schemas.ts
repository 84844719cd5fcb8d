import { z } from 'zod';
import type { AudioBufferClearedMessage, AudioBufferCommittedMessage } from '../ws/client-messages';
import type {
  AudioEvent, ChatEvent, ErrorEvent, FrameEvent, SessionStartedEvent, SessionStoppedEvent, StatusEvent,
  TaskCompletedEvent, TaskFailedEvent, TaskInterruptedEvent, TaskStartedEvent,
} from './session-events';

/**
 * The WebSocket's server messages as schemas: what the OpenAPI document publishes for
 * SDKs (the Python SDK's models are generated from it). The event interfaces in
 * session-events.ts stay the types the apps use; `Same` below makes the compiler
 * refuse any schema that drifts from its interface, in either direction.
 */

/** Fields the notifier adds to every server message (ClientEventMessage). */
const delivery = { id: z.number().int(), session_id: z.uuid() };

export const SERVER_MESSAGE_SCHEMAS = {
  FrameEvent: z.object({
    type: z.literal('frame'), task_id: z.string(), frame_id: z.number().int(), timestamp: z.number(),
    viseme: z.string(), data: z.string(), mime_type: z.string(),
  }),
  AudioEvent: z.object({ type: z.literal('audio'), task_id: z.string(), data: z.string(), duration: z.number(), sample_rate: z.number().int() }),
  ChatEvent: z.object({ type: z.literal('chat'), role: z.enum(['user', 'agent']), content: z.string() }),
  StatusEvent: z.object({ type: z.literal('status'), status: z.enum(['listening', 'speaking', 'idle']), message: z.string() }),
  ErrorEvent: z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
  TaskStartedEvent: z.object({ type: z.literal('task.started'), task_id: z.string(), duration_estimate: z.number(), attempt: z.number().int() }),
  TaskCompletedEvent: z.object({ type: z.literal('task.completed'), task_id: z.string(), duration: z.number() }),
  TaskInterruptedEvent: z.object({ type: z.literal('task.interrupted'), task_id: z.string() }),
  TaskFailedEvent: z.object({ type: z.literal('task.failed'), task_id: z.string(), error: z.string() }),
  SessionStartedEvent: z.object({ type: z.literal('session.started') }),
  SessionStoppedEvent: z.object({ type: z.literal('session.stopped'), duration: z.number(), billed_seconds: z.number().int().optional(), reason: z.string() }),
  AudioBufferCommittedMessage: z.object({ type: z.literal('audio_buffer.committed'), task_id: z.string(), duration: z.number() }),
  AudioBufferClearedMessage: z.object({ type: z.literal('audio_buffer.cleared'), duration: z.number() }),
} as const;

/** Each schema as the server sends it: with the message's id and session_id. */
export const SERVER_MESSAGE_DELIVERY_FIELDS = delivery;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** The interface each schema stands for. */
interface Interfaces {
  FrameEvent: FrameEvent;
  AudioEvent: AudioEvent;
  ChatEvent: ChatEvent;
  StatusEvent: StatusEvent;
  ErrorEvent: ErrorEvent;
  TaskStartedEvent: TaskStartedEvent;
  TaskCompletedEvent: TaskCompletedEvent;
  TaskInterruptedEvent: TaskInterruptedEvent;
  TaskFailedEvent: TaskFailedEvent;
  SessionStartedEvent: SessionStartedEvent;
  SessionStoppedEvent: SessionStoppedEvent;
  AudioBufferCommittedMessage: AudioBufferCommittedMessage;
  AudioBufferClearedMessage: AudioBufferClearedMessage;
}
type Schemas = typeof SERVER_MESSAGE_SCHEMAS;
// Compile-time only: a schema that no longer matches its interface makes its entry
// `false`, and `true` no longer type-checks here.
const SCHEMAS_MATCH_INTERFACES: { [K in keyof Schemas]: K extends keyof Interfaces ? Same<z.infer<Schemas[K]>, Interfaces[K]> : false } = {
  FrameEvent: true,
  AudioEvent: true,
  ChatEvent: true,
  StatusEvent: true,
  ErrorEvent: true,
  TaskStartedEvent: true,
  TaskCompletedEvent: true,
  TaskInterruptedEvent: true,
  TaskFailedEvent: true,
  SessionStartedEvent: true,
  SessionStoppedEvent: true,
  AudioBufferCommittedMessage: true,
  AudioBufferClearedMessage: true,
};
void SCHEMAS_MATCH_INTERFACES;
