import type {
  AvatarCatalogQuery, AvatarsResponse, CreateSessionRequest, CreateSessionResponse, ListProvidersResponse, ListSessionsQuery,
  ListSessionsResponse, StartSessionResponse, TaskResponse, VoicesResponse,
} from './contracts';
import type { BackoffOptions } from './backoff';
import { FetchLike, HttpClient } from './http';
import { ROUTES, routePath } from './routes';
import { AvatarSession } from './session';
import type { WebSocketConstructor } from './websocket';

export interface AvatarClientOptions {
  /** The API's base URL with its version, e.g. http://localhost:8000/v1. */
  apiUrl: string;
  /** The notifier's WebSocket base URL, e.g. ws://localhost:8001/ws. */
  wsUrl: string;
  /** A tenant API key. Keep it on a server: a browser gets only a session token (SessionConnection). */
  apiKey: string;
  /** Per-request timeout (ms), default 30 s. */
  timeoutMs?: number;
  /** Retries of a request lost on the way or refused with 503/429 (safe: POSTs carry an Idempotency-Key). Default 2. */
  retries?: number;
  /** Sessions' reconnect policy (false: never reconnect). */
  reconnect?: Partial<BackoffOptions> | false;
  fetch?: FetchLike;
  WebSocket?: WebSocketConstructor;
}

export interface CreateSessionOptions {
  /** Also start it (streaming.start: the vendor session opens, billing starts). Default true. */
  start?: boolean;
}

/** The platform's API for a backend: sessions, tasks, the catalog. */
export class AvatarClient {
  private readonly http: HttpClient;

  constructor(private readonly options: AvatarClientOptions) {
    this.http = new HttpClient(options);
  }

  /** Creates a session (streaming.new) and starts it (streaming.start) unless `start: false`; connect() to watch it. */
  async createSession(request: CreateSessionRequest = {}, options: CreateSessionOptions = {}): Promise<AvatarSession> {
    const created = await this.http.request<CreateSessionResponse>('POST', ROUTES.createSession, { body: request });
    if (options.start === false) return this.session(created.session_id, created.access_token);
    try {
      const started = await this.http.request<StartSessionResponse>('POST', ROUTES.startSession, { body: { session_id: created.session_id } });
      return this.session(created.session_id, created.access_token, started);
    } catch (error) {
      // Not left to its idle timeout holding one of the tenant's sessions (a created session bills nothing).
      await this.http.request('POST', ROUTES.stopSession, { body: { session_id: created.session_id } }).catch(() => undefined);
      throw error;
    }
  }

  /** A session created elsewhere (its id and a token from streaming.new or streaming.token). */
  session(sessionId: string, accessToken: string, started?: StartSessionResponse): AvatarSession {
    const { wsUrl, reconnect, WebSocket } = this.options;
    return new AvatarSession(this.http, { wsUrl, sessionId, token: accessToken, reconnect, WebSocket }, started);
  }

  /** A fresh token for a session's frontend (what your backend hands to the browser). */
  issueToken(sessionId: string): Promise<{ access_token: string; expires_in: number }> {
    return this.http.request('POST', ROUTES.sessionToken, { body: { session_id: sessionId } });
  }

  getTask(taskId: string): Promise<TaskResponse> {
    return this.http.request('GET', routePath(ROUTES.getTask, { task_id: taskId }));
  }

  listSessions(query: ListSessionsQuery = {}): Promise<ListSessionsResponse> {
    return this.http.request('GET', ROUTES.listSessions, { query: query as Record<string, string | number> });
  }

  providers(): Promise<ListProvidersResponse> {
    return this.http.request('GET', ROUTES.listProviders);
  }

  avatars(query: AvatarCatalogQuery = {}): Promise<AvatarsResponse> {
    return this.http.request('GET', ROUTES.listAvatars, { query });
  }

  voices(query: AvatarCatalogQuery = {}): Promise<VoicesResponse> {
    return this.http.request('GET', ROUTES.listVoices, { query });
  }
}
