import type { FrameEvent, AudioEvent, SessionDescription, VoiceSettings } from '@avatar/contracts';

/**
 * The seam every vendor plugs into. A provider adapter knows no database and no
 * queue: it turns a session spec into a vendor session, and a speech request into
 * media events, and reports failures as ProviderError (retryable or not).
 */

export interface ProviderSessionSpec {
  tenantId: string;
  sessionId: string;
  avatarId: string;
  voiceId?: string;
  quality: string;
  sdpOffer?: SessionDescription;
}

export interface ProviderSessionRef {
  spec: ProviderSessionSpec;
  /** The vendor's id for the session, from `start`. */
  providerSessionId: string;
}

export interface StartedProviderSession {
  providerSessionId: string;
  sdpAnswer?: SessionDescription;
}

export interface SpeechRequest {
  taskId: string;
  text: string;
  voiceId?: string;
  voiceSettings?: VoiceSettings;
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
 * (a WebSocket, a media room) keep their connection here; see docs/adr/0002.
 */
export interface ProviderConnection {
  speak(request: SpeechRequest, emit: (event: ProviderMediaEvent) => Promise<void>, signal: AbortSignal): Promise<SpeechOutcome>;
  keepAlive(): Promise<void>;
  close(): Promise<void>;
}

export interface AvatarProvider {
  readonly name: string;
  /** Creates (and starts) the vendor session. */
  start(spec: ProviderSessionSpec): Promise<StartedProviderSession>;
  /** Opens a handle to speak on an already started vendor session. */
  connect(ref: ProviderSessionRef): Promise<ProviderConnection>;
  /** Ends the vendor session (idempotent). */
  stop(ref: ProviderSessionRef, reason: string): Promise<void>;
}

/** A failure of a vendor call. `retryable` ones are tried again with backoff. */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly provider: string,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}
