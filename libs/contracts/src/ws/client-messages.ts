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

/** Largest client message (sized for the realtime protocol's audio chunks); a larger one closes the socket with 1009. */
export const WS_MAX_PAYLOAD_BYTES = 256 * 1024;
/** Client messages per second per socket (token bucket, burst of the same size): the default; a tenant's ws_messages_per_second, carried in its session token (claim wsr), replaces it. */
export const WS_MAX_MESSAGES_PER_SECOND = 100;

/** Close codes of session sockets. */
export const WS_CLOSE_CODES = {
  /** `session.stopped` was delivered: nothing more will come. */
  SESSION_STOPPED: 1000,
  /** Kept sending faster than twice the message rate: rate limit abuse. */
  POLICY_VIOLATION: 1008,
  /** A message larger than WS_MAX_PAYLOAD_BYTES. */
  MESSAGE_TOO_BIG: 1009,
  /** The event stream is unavailable. */
  INTERNAL_ERROR: 1011,
  /** The notifier is restarting: reconnect (to another one) with last_event_id. */
  SERVICE_RESTART: 1012,
  /** The client let too much go unread, or the live feed was interrupted (NATS reconnect): reconnect with last_event_id. */
  TRY_AGAIN_LATER: 1013,
  /** The session token expired: get a fresh one (POST /v1/streaming.token) and reconnect with last_event_id. */
  TOKEN_EXPIRED: 4001,
} as const;
