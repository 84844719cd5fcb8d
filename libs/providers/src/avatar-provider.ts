import type { FrameEvent, AudioEvent, SessionDescription, VoiceSettings } from '@avatar/contracts';
import type { TtsEngine } from '@avatar/tts';

/**
 * The seam every vendor plugs into. A provider adapter knows no database and no
 * queue: it turns a session spec into a vendor session, and a speech request into
 * media events, and reports failures as ProviderError (typed, retryable or not).
 */

/** A vendor's credentials as the adapter needs them: `{api_key}`, `{api_key, app_id}` (docs/providers.md). */
export type ProviderCredentials = Readonly<Record<string, string>>;

/** Avaturn's optional conversation engine, passed through to the vendor as given. */
export type ConversationEngine =
  | { type: 'openai-realtime'; client_secret: string }
  | { type: 'cartesia'; access_token: string; agent_id: string };

export interface ProviderSessionSpec {
  tenantId: string;
  sessionId: string;
  avatarId: string;
  voiceId?: string;
  quality: string;
  sdpOffer?: SessionDescription;
  conversationEngine?: ConversationEngine;
  /** The tenant's stored credentials for this vendor, else the platform's (config). */
  credentials: ProviderCredentials;
  /**
   * The speech engine this session speaks with (audio-driven vendors and the local
   * provider): ElevenLabs when the tenant or platform has its credentials, else espeak-ng.
   */
  speech?: TtsEngine;
}

/**
 * What another worker needs to reach a started vendor session (a socket URL, the
 * session's own bearer token): kept with the session row, never sent to clients.
 */
export type ProviderSessionState = Readonly<Record<string, string>>;

export interface ProviderSessionRef {
  spec: ProviderSessionSpec;
  /** The vendor's id for the session, from `start`. */
  providerSessionId: string;
  state?: ProviderSessionState;
}

export interface StartedProviderSession {
  providerSessionId: string;
  sdpAnswer?: SessionDescription;
  state?: ProviderSessionState;
  /**
   * What the user's frontend needs to show the vendor's stream itself (Avaturn's token
   * for its web SDK, HeyGen's room URL and access token): returned to the API caller.
   */
  clientSession?: Readonly<Record<string, string>>;
}

/** Speech as PCM signed 16-bit little-endian mono at `sampleRate`. */
export interface PcmSpeech {
  pcm: Buffer;
  sampleRate: number;
  /** Seconds of audio: samples / sampleRate. */
  durationS: number;
}

/**
 * Audio the client recorded and committed (`audio_buffer_commit`): spoken as given,
 * no speech engine involved. `at(rate)` gives the same audio at the rate a vendor
 * takes (the worker supplies the resampler: adapters cannot import @avatar/tts at run time).
 */
export interface RecordedSpeech extends PcmSpeech {
  at(sampleRate: number): PcmSpeech;
}

export interface SpeechRequest {
  taskId: string;
  /** What to say; empty for a task that speaks recorded audio. */
  text: string;
  voiceId?: string;
  voiceSettings?: VoiceSettings;
  /** Present for an audio task: speak this audio instead of synthesizing `text`. */
  audio?: RecordedSpeech;
}

/** Media a provider emits while speaking; the worker stamps and publishes them. */
export type ProviderMediaEvent = FrameEvent | AudioEvent;

export interface SpeechOutcome {
  /** Seconds of speech actually produced (less than planned when interrupted). */
  spokenSeconds: number;
  interrupted: boolean;
}

/**
 * A live handle on one vendor session inside one worker process. Stateful vendors
 * (a WebSocket) keep their connection here; see docs/adr/0002 and 0012.
 */
export interface ProviderConnection {
  speak(request: SpeechRequest, emit: (event: ProviderMediaEvent) => Promise<void>, signal: AbortSignal): Promise<SpeechOutcome>;
  /** Keeps the vendor session from ending for idleness (a no-op where the vendor needs none). */
  keepAlive(): Promise<void>;
  close(): Promise<void>;
  /**
   * Called once if the vendor side goes away by itself (the vendor closed the socket or
   * ended the session); not called after `close()`.
   */
  onLost?(listener: (error: Error) => void): void;
  /**
   * Tells a vendor that has a listening state that the user starts or stops talking
   * (`start_listening` / `stop_listening` of the socket protocol). Absent where the
   * vendor has none: the platform's `status` event is all there is then.
   */
  setListening?(listening: boolean): Promise<void>;
}

/** One avatar or voice a vendor offers, as the catalog lists it. */
export interface CatalogEntry {
  id: string;
  name: string;
  preview_url?: string;
  /** Voices: the language or accent, where the vendor says. */
  language?: string;
  gender?: string;
}

export interface ProviderCatalog {
  avatars: CatalogEntry[];
  voices: CatalogEntry[];
}

export interface AvatarProvider {
  readonly name: string;
  /**
   * True when the vendor session lives in a connection (a WebSocket) that one worker
   * holds: its speech runs on that worker (session affinity, docs/adr/0012).
   */
  readonly stateful: boolean;
  /** Credential fields the adapter needs (`api_key`, `app_id`): without them the provider is unavailable. */
  readonly credentialFields: readonly string[];
  /**
   * Whether the provider can speak recorded audio (SpeechRequest.audio): audio-driven
   * vendors and the local provider can; text-only vendor APIs (Avaturn, HeyGen) cannot,
   * and an audio commit on their sessions is refused with a clear error.
   */
  readonly acceptsAudio: boolean;
  /** How often the vendor session needs a keep-alive (0: never). */
  readonly keepAliveIntervalMs: number;
  /** Creates (and starts) the vendor session. */
  start(spec: ProviderSessionSpec): Promise<StartedProviderSession>;
  /** Opens a handle to speak on an already started vendor session. */
  connect(ref: ProviderSessionRef): Promise<ProviderConnection>;
  /** Ends the vendor session (idempotent: ending an ended session is no error). */
  stop(ref: ProviderSessionRef, reason: string): Promise<void>;
  /** The vendor's avatars and voices (configured ones where the vendor has no list API). */
  catalog(credentials: ProviderCredentials): Promise<ProviderCatalog>;
}
