import { z } from 'zod';

/** Messages a WebSocket client sends (the reference's client → server events). */

export const CLIENT_MESSAGE_TYPES = [
  'audio_buffer_append',
  'audio_buffer_commit',
  'audio_buffer_clear',
  'start_listening',
  'stop_listening',
  'interrupt',
] as const;
export type ClientMessageType = (typeof CLIENT_MESSAGE_TYPES)[number];

export const ClientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('audio_buffer_append'), data: z.object({ audio: z.base64() }) }),
  z.object({ type: z.literal('audio_buffer_commit') }),
  z.object({ type: z.literal('audio_buffer_clear') }),
  z.object({ type: z.literal('start_listening') }),
  z.object({ type: z.literal('stop_listening') }),
  z.object({ type: z.literal('interrupt') }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

/** Query parameters of `/ws/{session_id}`. */
export const WS_TOKEN_PARAM = 'token';
/** Resume after this event id (also accepted as the `Last-Event-ID` header). */
export const WS_LAST_EVENT_ID_PARAM = 'last_event_id';
