import { z } from 'zod';

/**
 * Speech routed to the worker that owns a stateful vendor session (docs/adr/0012):
 * the worker holding the task's job asks the owner on `cmd.<tenant>.<session>.speak`
 * (only the owner subscribes) and the owner streams what happens to the asker's inbox.
 * Both ends validate what they receive with these schemas.
 */

const voiceSettings = z.object({ stability: z.number().optional(), similarity_boost: z.number().optional(), speed: z.number().optional() }).loose();

export const OwnerSpeakCommand = z
  .strictObject({
    task_id: z.uuid(),
    /** Empty for an audio task. */
    text: z.string().max(100_000),
    voice_id: z.string().max(256).optional(),
    voice_settings: voiceSettings.optional(),
    /** An audio task: the owner reads its audio from the database by task id (audio never rides on NATS). */
    audio: z.literal(true).optional(),
    /** Where the owner streams media and the outcome (a NATS inbox of the asker). */
    inbox: z.string().regex(/^_INBOX\.[A-Za-z0-9_.-]+$/),
  })
  .refine((c) => c.audio === true || c.text.length > 0, { message: 'text is required unless the task speaks audio', path: ['text'] });
export type OwnerSpeakCommand = z.infer<typeof OwnerSpeakCommand>;

const mediaEvent = z.object({ type: z.enum(['frame', 'audio']), task_id: z.string() }).loose();

/** What the owner sends to the inbox: media as it is produced, then exactly one outcome or error. */
export const OwnerSpeechMessage = z.union([
  z.strictObject({ event: mediaEvent }),
  z.strictObject({ outcome: z.strictObject({ spoken_seconds: z.number().min(0), interrupted: z.boolean() }) }),
  z.strictObject({ error: z.strictObject({ message: z.string(), details: z.record(z.string(), z.unknown()).optional() }) }),
]);
export type OwnerSpeechMessage = z.infer<typeof OwnerSpeechMessage>;
