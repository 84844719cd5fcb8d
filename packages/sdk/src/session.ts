import type { ChatCompletionChunk, InterruptResponse, SessionHistoryResponse, SpeakOptions, SpeakResponse, StartSessionResponse, StopSessionResponse } from './contracts';
import { ChatReply } from './chat-reply';
import { SessionConnection, SessionConnectionOptions } from './connection';
import type { HttpClient } from './http';
import { ROUTES, routePath } from './routes';

export interface ChatOptions {
  /** A system message sent before the user's text in this turn. */
  system?: string;
  /** The engine's model for this turn. */
  model?: string;
}

/**
 * A session seen by a backend holding the API key: everything a SessionConnection does
 * (events, interrupt and audio over the socket, reconnects), plus the HTTP calls — speak,
 * chat, interrupt, stop, history — and token refresh through `POST /v1/streaming.token`.
 */
export class AvatarSession extends SessionConnection {
  constructor(
    private readonly http: HttpClient,
    options: Omit<SessionConnectionOptions, 'refreshToken'>,
    /** streaming.start's answer (provider, provider_session, failover), when the SDK started the session. */
    readonly started?: StartSessionResponse,
  ) {
    super({ ...options, refreshToken: async () => (await http.request<{ access_token: string }>('POST', ROUTES.sessionToken, { body: { session_id: options.sessionId } })).access_token });
  }

  get id(): string {
    return this.sessionId;
  }

  /** Starts a created session on its provider (createSession does it unless told not to). */
  start(): Promise<StartSessionResponse> {
    return this.http.request('POST', ROUTES.startSession, { body: { session_id: this.sessionId } });
  }

  /** Queues text for the avatar to speak, after whatever is queued. */
  speak(text: string, options: SpeakOptions = {}): Promise<SpeakResponse> {
    return this.http.request('POST', ROUTES.speak, { body: { session_id: this.sessionId, text, ...options } });
  }

  /** Sends the user's turn to the conversation engine; the reply streams back and is spoken as it comes. */
  chat(text: string, options: ChatOptions = {}): ChatReply {
    const messages = [...(options.system ? [{ role: 'system', content: options.system }] : []), { role: 'user', content: text }];
    const body = { session_id: this.sessionId, messages, stream: true, ...(options.model ? { model: options.model } : {}) };
    return new ChatReply((signal) => this.http.request<Response>('POST', ROUTES.chatCompletion, { body, signal, raw: true, accept: 'text/event-stream' }));
  }

  /** Stops the speaking task and drops the queued ones (over HTTP: answers which tasks it ended). */
  override interrupt(): Promise<InterruptResponse> {
    return this.http.request('POST', ROUTES.interrupt, { body: { session_id: this.sessionId } });
  }

  /** Stops the session: answers the billed duration. The socket closes after `session.stopped`. */
  stop(): Promise<StopSessionResponse> {
    return this.http.request('POST', ROUTES.stopSession, { body: { session_id: this.sessionId } });
  }

  /** The session with its tasks, event history and conversation. */
  history(): Promise<SessionHistoryResponse> {
    return this.http.request('GET', routePath(ROUTES.getSession, { session_id: this.sessionId }));
  }
}

export type { ChatCompletionChunk };
