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

/**
 * Client audio (audio_buffer_append): PCM s16le mono at `sample_rate` (this message's,
 * else the socket's `sample_rate` query parameter, else AUDIO_DEFAULT_SAMPLE_RATE), or a
 * 16-bit WAV (its header says the rate; several channels are mixed down). The session's
 * buffer holds it at AUDIO_BUFFER_SAMPLE_RATE.
 */
export const AUDIO_DEFAULT_SAMPLE_RATE = 24_000;
/** The rate a session's audio buffer (and an audio task) holds its PCM at. */
export const AUDIO_BUFFER_SAMPLE_RATE = 24_000;
/** Seconds of buffer audio (PCM s16le mono at AUDIO_BUFFER_SAMPLE_RATE) in `bytes`. */
export function audioBufferSeconds(bytes: number): number {
  return bytes / 2 / AUDIO_BUFFER_SAMPLE_RATE;
}
/** Rates a client may declare (the range the vendors take). */
export const AUDIO_MIN_SAMPLE_RATE = 8_000;
export const AUDIO_MAX_SAMPLE_RATE = 48_000;
/** Query parameter of `/ws/{session_id}`: the socket's audio sample rate. */
export const WS_SAMPLE_RATE_PARAM = 'sample_rate';

export const AudioSampleRate = z.coerce.number().int().min(AUDIO_MIN_SAMPLE_RATE).max(AUDIO_MAX_SAMPLE_RATE);

export const ClientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('audio_buffer_append'), data: z.object({ audio: z.base64().min(1), sample_rate: AudioSampleRate.optional() }) }),
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

/**
 * The server's answer to the socket that sent audio_buffer_commit: the buffered audio
 * is now a speech task in the session's line (its task.* events follow for everyone).
 * Only that socket receives it; it carries the socket's current id like an `error`.
 */
export interface AudioBufferCommittedMessage {
  type: 'audio_buffer.committed';
  task_id: string;
  /** Seconds of audio committed. */
  duration: number;
}
/** The answer to audio_buffer_clear: how much buffered audio was dropped. */
export interface AudioBufferClearedMessage {
  type: 'audio_buffer.cleared';
  duration: number;
}
