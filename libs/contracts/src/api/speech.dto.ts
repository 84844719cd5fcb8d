import { z } from 'zod';
import { entityId, safeText } from './fields';

/** Request and response shapes of speech: `avatar.speak` and task status. */

export const MAX_SPEAK_TEXT_LENGTH = 5000;

export const VoiceSettings = z.strictObject({
  stability: z.number().min(0).max(1).optional(),
  similarity_boost: z.number().min(0).max(1).optional(),
  speed: z.number().min(0.5).max(2).optional(),
});
export type VoiceSettings = z.infer<typeof VoiceSettings>;

export const SpeakRequest = z.strictObject({
  session_id: entityId('session_id'),
  text: safeText()
    .max(MAX_SPEAK_TEXT_LENGTH)
    .refine((t) => t.trim().length > 0, 'text must not be empty'),
  voice_id: safeText().min(1).max(128).optional(),
  voice_settings: VoiceSettings.optional(),
});
export type SpeakRequest = z.infer<typeof SpeakRequest>;

export const SpeakResponse = z.object({
  task_id: z.uuid(),
  status: z.literal('processing'),
  /** Seconds the speech is expected to take. */
  duration_estimate: z.number(),
});
export type SpeakResponse = z.infer<typeof SpeakResponse>;

export const TASK_STATUSES = ['queued', 'speaking', 'completed', 'interrupted', 'failed'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const TERMINAL_TASK_STATUSES: readonly TaskStatus[] = ['completed', 'interrupted', 'failed'];

export const TaskIdParam = z.strictObject({ task_id: entityId('task_id') });

export const TaskResponse = z.object({
  task_id: z.uuid(),
  session_id: z.uuid(),
  status: z.enum(TASK_STATUSES),
  text: z.string(),
  duration_estimate: z.number(),
  created_at: z.iso.datetime(),
  started_at: z.iso.datetime().nullable(),
  ended_at: z.iso.datetime().nullable(),
  /** How long the avatar spoke it (its last attempt), fixed when it ends; null until then. */
  spoken_seconds: z.number().nullable(),
  error: z.string().nullable(),
});
export type TaskResponse = z.infer<typeof TaskResponse>;
