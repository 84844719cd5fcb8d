import { z } from 'zod';
import type { EventEnvelope, SessionEvent } from '../events/session-events';
import { SERVER_MESSAGE_SCHEMAS } from '../events/session-event.schemas';
import type { ApiKeyRevoked } from './subjects';

/**
 * What arrives over NATS besides commands, as schemas: session event envelopes (on
 * `evt.>` through the stream's consumers, on `live.>` for the notifier) and the key
 * revocations of `auth.<tenant>.apikey.revoked`. The receivers parse with them and
 * drop what does not match (libs/messaging message-validation.ts).
 */

const S = SERVER_MESSAGE_SCHEMAS;

/** Every event a session emits (not the WebSocket-only audio_buffer.* messages), by type. */
export const SessionEventSchema = z.discriminatedUnion('type', [
  S.FrameEvent,
  S.AudioEvent,
  S.ChatEvent,
  S.StatusEvent,
  S.ErrorEvent,
  S.TaskStartedEvent,
  S.TaskCompletedEvent,
  S.TaskInterruptedEvent,
  S.TaskFailedEvent,
  S.SessionStartedEvent,
  S.SessionStoppedEvent,
]);

/** A subject token: what tenant and session ids are on every subject. */
const subjectToken = z.string().regex(/^[A-Za-z0-9_-]+$/).max(128);

export const EventEnvelopeSchema = z.object({
  tenant_id: subjectToken,
  session_id: subjectToken,
  emitted_at: z.iso.datetime(),
  event: SessionEventSchema,
});

/** Body of `auth.<tenant>.apikey.revoked`: one key's hash, or every key of the tenant. */
export const ApiKeyRevokedSchema = z.union([z.object({ key_hash: z.string().min(1).max(256) }), z.object({ all_keys: z.literal(true) })]);

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// Compile-time only: the schemas stand for the types the apps use.
const MATCH: [Same<z.infer<typeof SessionEventSchema>, SessionEvent>, Same<z.infer<typeof EventEnvelopeSchema>, EventEnvelope>, Same<z.infer<typeof ApiKeyRevokedSchema>, ApiKeyRevoked>] = [true, true, true];
void MATCH;
