/**
 * LiveAvatar's wire format as its public clients use it (the LiveKit agents plugin,
 * Pipecat's LiveAvatar API and docs.liveavatar.com): REST answers wrap their payload in
 * `{code, data, message}`, with `code` 100 for success (the plugin treats ≤ 200 as
 * success). Types only: what the adapter reads, nothing it does not.
 */

/** Every REST answer. */
export interface LiveAvatarEnvelope<T> {
  code?: number;
  data?: T | null;
  message?: string;
}

/** `POST /v1/sessions/token`. */
export interface SessionTokenData {
  session_id: string;
  session_token: string;
}

/** `POST /v1/sessions/start`: the room the vendor made for the session, and its control socket. */
export interface StartedSessionData {
  session_id?: string;
  ws_url: string;
  livekit_url?: string;
  livekit_client_token?: string;
  livekit_agent_token?: string;
  max_session_duration?: number;
}

/** One avatar of `GET /v1/avatars` or `GET /v1/avatars/public`. */
export interface AvatarData {
  id?: string;
  avatar_id?: string;
  name?: string;
  preview_url?: string;
}

/** A page of a list answer. */
export interface PageData<T> {
  count?: number;
  next?: string | number | null;
  results?: T[];
}

/** Session WebSocket: what we send (each message carries a fresh `event_id`). */
export const CLIENT_EVENTS = {
  SPEAK: 'agent.speak',
  SPEAK_END: 'agent.speak_end',
  INTERRUPT: 'agent.interrupt',
  /** The avatar's listening state while the user talks (docs, LITE/CUSTOM mode events). */
  START_LISTENING: 'agent.start_listening',
  STOP_LISTENING: 'agent.stop_listening',
  KEEP_ALIVE: 'session.keep_alive',
} as const;

/** Session WebSocket: what the vendor sends. */
export const VENDOR_EVENTS = {
  STATE_UPDATED: 'session.state_updated',
  SPEAK_STARTED: 'agent.speak_started',
  SPEAK_ENDED: 'agent.speak_ended',
  SPEAK_INTERRUPTED: 'agent.speak_interrupted',
} as const;

/** `session.state_updated` states (docs: connecting, connected, closing, closed). */
export const SESSION_STATES = { CONNECTED: 'connected', CLOSING: 'closing', CLOSED: 'closed' } as const;

/** A message from the vendor, as far as the adapter reads it. */
export interface VendorMessage {
  type?: string;
  event_id?: string;
  state?: string;
  task?: { id?: string };
}

/** The session audio format: PCM s16le mono at 24 kHz, base64 in `agent.speak`. */
export const LIVEAVATAR_SAMPLE_RATE = 24_000;
