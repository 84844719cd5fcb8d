import type {
  AudioBufferClearedMessage, AudioBufferCommittedMessage, AudioEvent, ChatEvent, ClientEventMessage, ErrorEvent, FrameEvent,
  ServerMessage, SessionStartedEvent, SessionStoppedEvent, StatusEvent, TaskCompletedEvent, TaskFailedEvent, TaskInterruptedEvent,
  TaskStartedEvent,
} from './contracts';
import { BackoffOptions, backoffDelay, DEFAULT_RECONNECT } from './backoff';
import { Emitter } from './emitter';
import { AvatarSdkError } from './errors';
import { CLOSE, WS_PARAMS } from './routes';
import { tokenExpiry } from './token';
import { globalWebSocket, upgradeStatus, WebSocketConstructor, WebSocketLike, WS_OPEN } from './websocket';

type Delivered<E> = E & { id: number; session_id: string };

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

/** What a SessionConnection emits: each server message type, and the connection's own life. */
export interface ConnectionEvents {
  frame: Delivered<FrameEvent>;
  audio: Delivered<AudioEvent>;
  chat: Delivered<ChatEvent>;
  status: Delivered<StatusEvent>;
  error: Delivered<ErrorEvent>;
  'task.started': Delivered<TaskStartedEvent>;
  'task.completed': Delivered<TaskCompletedEvent>;
  'task.interrupted': Delivered<TaskInterruptedEvent>;
  'task.failed': Delivered<TaskFailedEvent>;
  'session.started': Delivered<SessionStartedEvent>;
  'session.stopped': Delivered<SessionStoppedEvent>;
  'audio_buffer.committed': Delivered<AudioBufferCommittedMessage>;
  'audio_buffer.cleared': Delivered<AudioBufferClearedMessage>;
  /** Every message that is not a frame or audio chunk (lifecycle events, errors, buffer answers). */
  event: ServerMessage;
  /** Every message, media included. */
  message: ServerMessage;
  state: ConnectionState;
  /** The socket dropped and the next attempt is scheduled. */
  reconnecting: { attempt: number; delayMs: number; code?: number; reason: string };
  /** The connection ended for good: the session stopped, disconnect(), or a refusal that retrying cannot fix. */
  closed: { code?: number; reason: string };
}

export interface SessionConnectionOptions {
  /** The notifier's base URL, e.g. ws://localhost:8001/ws: the SDK opens `{wsUrl}/{sessionId}`. */
  wsUrl: string;
  sessionId: string;
  /** The session's access token (streaming.new's access_token, or streaming.token's). */
  token: string;
  /**
   * Gets a fresh token (from your backend, which calls POST /v1/streaming.token). Called
   * ahead of expiry and when the server says the token expired; without it an expired
   * token ends the connection.
   */
  refreshToken?: () => Promise<string>;
  /** Reconnect policy; false: never reconnect. */
  reconnect?: Partial<BackoffOptions> | false;
  /** Resume after this event id (a page reload that kept it). */
  lastEventId?: number;
  /** The sample rate of the audio this socket appends (default: the server's, 24000). */
  sampleRate?: number;
  /** Refresh this many seconds before the token expires (default 60, at most half its life). */
  refreshMarginSeconds?: number;
  /** A WebSocket implementation (default: the global one; the Node build passes `ws`). */
  WebSocket?: WebSocketConstructor;
}

/** Close codes after which reconnecting cannot help. */
const FINAL_CLOSE_CODES = new Set<number>([CLOSE.POLICY_VIOLATION, CLOSE.MESSAGE_TOO_BIG]);
/** Upgrade refusals after which reconnecting cannot help: unknown path, session stopped. */
const FINAL_UPGRADE_STATUSES = new Set([404, 410]);

/**
 * One session's WebSocket with only its token: what a browser holds (never the API key).
 * Receives the session's events, sends the client messages (interrupt, audio, listening),
 * and keeps itself connected: on a drop it reconnects with backoff and resumes after the
 * last event it saw (`last_event_id`), so no lifecycle event is lost or repeated; it
 * refreshes an expiring token through `refreshToken`.
 */
export class SessionConnection extends Emitter<ConnectionEvents> {
  readonly sessionId: string;
  private token: string;
  private socket: WebSocketLike | null = null;
  private currentState: ConnectionState = 'idle';
  private lastId: number | undefined;
  private attempt = 0;
  private stopped = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private refreshing: Promise<void> | null = null;
  /** The server refused the token (4001, 401): refresh before the next attempt. */
  private tokenExpired = false;
  private readonly reconnectPolicy: BackoffOptions | null;
  private readonly WebSocketImpl: WebSocketConstructor;
  private firstOpen: { resolve: () => void; reject: (error: Error) => void } | null = null;

  constructor(protected readonly options: SessionConnectionOptions) {
    super();
    this.sessionId = options.sessionId;
    this.token = options.token;
    this.lastId = options.lastEventId;
    this.reconnectPolicy = options.reconnect === false ? null : { ...DEFAULT_RECONNECT, ...options.reconnect };
    const impl = options.WebSocket ?? globalWebSocket();
    if (!impl) throw new TypeError('@avatar/sdk: no WebSocket in this environment; pass options.WebSocket (the Node build does)');
    this.WebSocketImpl = impl;
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  /** The id of the last lifecycle event received: where a reconnect resumes. */
  get lastEventId(): number | undefined {
    return this.lastId;
  }

  /** The token the next (re)connect uses. */
  get accessToken(): string {
    return this.token;
  }

  /**
   * Opens the socket; resolves once it is open. A failure before that is retried like a
   * drop (the promise waits), unless it cannot succeed: then it rejects.
   */
  connect(): Promise<void> {
    if (this.currentState === 'open') return Promise.resolve();
    if (this.firstOpen) return new Promise((resolve, reject) => this.once('state', (s) => (s === 'open' ? resolve() : s === 'closed' ? reject(new AvatarSdkError('CONNECTION_CLOSED', 'closed before it opened')) : undefined)));
    this.stopped = false;
    const opened = new Promise<void>((resolve, reject) => (this.firstOpen = { resolve, reject }));
    this.setState('connecting');
    this.open();
    return opened;
  }

  /** Closes the socket for good: no reconnect. */
  disconnect(): void {
    this.finish(undefined, 'disconnected by the client');
  }

  /** Stops the speaking task and drops the queued ones (the socket's `interrupt` message). */
  interrupt(): void {
    this.send({ type: 'interrupt' });
  }

  startListening(): void {
    this.send({ type: 'start_listening' });
  }

  stopListening(): void {
    this.send({ type: 'stop_listening' });
  }

  /** Appends PCM s16le mono (or a 16-bit WAV) to the session's audio buffer. */
  appendAudio(audio: Uint8Array, sampleRate?: number): void {
    this.send({ type: 'audio_buffer_append', data: { audio: toBase64(audio), ...(sampleRate ? { sample_rate: sampleRate } : {}) } });
  }

  /** Turns the buffered audio into a speech task; resolves with its task id, rejects with the server's error. */
  commitAudio(timeoutMs = 10_000): Promise<Delivered<AudioBufferCommittedMessage>> {
    return this.answer('audio_buffer.committed', { type: 'audio_buffer_commit' }, timeoutMs);
  }

  clearAudio(timeoutMs = 10_000): Promise<Delivered<AudioBufferClearedMessage>> {
    return this.answer('audio_buffer.cleared', { type: 'audio_buffer_clear' }, timeoutMs);
  }

  /**
   * The next `type` event (matching `predicate`), or a WAIT_TIMEOUT after `timeoutMs`.
   * Register it before the action that causes the event.
   */
  waitFor<K extends keyof ConnectionEvents>(type: K, predicate: (event: ConnectionEvents[K]) => boolean = () => true, timeoutMs = 30_000): Promise<ConnectionEvents[K]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new AvatarSdkError('WAIT_TIMEOUT', `no ${String(type)} within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.on(type, (event) => {
        if (!predicate(event)) return;
        clearTimeout(timer);
        off();
        resolve(event);
      });
    });
  }

  /** Sends a client message; throws NOT_CONNECTED when the socket is not open. */
  protected send(message: { type: string; [field: string]: unknown }): void {
    if (!this.socket || this.socket.readyState !== WS_OPEN) throw new AvatarSdkError('NOT_CONNECTED', `cannot send ${message.type}: the socket is ${this.currentState}`);
    this.socket.send(JSON.stringify(message));
  }

  private answer<K extends 'audio_buffer.committed' | 'audio_buffer.cleared'>(type: K, message: { type: string }, timeoutMs: number): Promise<ConnectionEvents[K]> {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        offAnswer();
        offError();
      };
      const timer = setTimeout(() => {
        done();
        reject(new AvatarSdkError('WAIT_TIMEOUT', `no answer to ${message.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      const offAnswer = this.on(type, (event) => {
        done();
        resolve(event);
      });
      // The socket's answers come in order: an error before the answer is this request's.
      const offError = this.on('error', (event) => {
        if (!/^AUDIO_|^SESSION_NOT_ACTIVE$|^QUOTA_EXCEEDED$|^COMMAND_FAILED$/.test(event.code)) return;
        done();
        reject(Object.assign(new Error(event.message), { code: event.code }));
      });
      try {
        this.send(message);
      } catch (error) {
        done();
        reject(error);
      }
    });
  }

  /** Opens a socket now, or once a token that needs refreshing is refreshed. */
  private open(): void {
    if (this.stopped) return;
    if (!this.needsRefresh()) return this.openSocket();
    this.refresh().then(
      () => this.openSocket(),
      (error: Error) => this.scheduleReconnect(undefined, `token refresh failed: ${error.message}`),
    );
  }

  private openSocket(): void {
    if (this.stopped) return;
    const socket = new this.WebSocketImpl(this.url());
    this.socket = socket;
    let opened = false;
    let refusal: number | undefined;
    socket.onopen = () => {
      opened = true;
      this.attempt = 0;
      this.setState('open');
      this.scheduleRefresh();
      this.firstOpen?.resolve();
      this.firstOpen = null;
    };
    socket.onmessage = (event) => this.receive(event.data);
    socket.onerror = (event) => {
      refusal = upgradeStatus(event) ?? refusal;
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.stopped) return;
      this.onDrop(opened, event.code, event.reason, refusal);
    };
  }

  private onDrop(opened: boolean, code: number, reason: string, refusal: number | undefined): void {
    if (code === CLOSE.SESSION_STOPPED && opened) return this.finish(code, reason || 'session stopped');
    if (FINAL_CLOSE_CODES.has(code)) return this.finish(code, reason || `closed with ${code}`);
    if (refusal !== undefined && FINAL_UPGRADE_STATUSES.has(refusal)) return this.finish(code, `the server refused the connection with HTTP ${refusal}`);
    const tokenRejected = code === CLOSE.TOKEN_EXPIRED || refusal === 401;
    if (tokenRejected) {
      if (!this.options.refreshToken) return this.finish(code, 'the session token expired or was refused, and there is no refreshToken to get another');
      // The next attempt refreshes first; a token that was already fresh is refreshed once more.
      this.expireToken();
      if (code === CLOSE.TOKEN_EXPIRED && opened) return this.reconnectNow(code, reason);
    }
    this.scheduleReconnect(code, reason || (refusal ? `upgrade refused with HTTP ${refusal}` : `closed with ${code}`));
  }

  private reconnectNow(code: number, reason: string): void {
    this.emit('reconnecting', { attempt: 0, delayMs: 0, code, reason });
    this.setState('reconnecting');
    this.open();
  }

  private scheduleReconnect(code: number | undefined, reason: string): void {
    if (!this.reconnectPolicy) return this.finish(code, reason);
    this.attempt += 1;
    if (this.attempt > this.reconnectPolicy.maxAttempts) return this.finish(code, `gave up after ${this.reconnectPolicy.maxAttempts} attempts: ${reason}`);
    const delayMs = backoffDelay(this.attempt, this.reconnectPolicy);
    this.emit('reconnecting', { attempt: this.attempt, delayMs, code, reason });
    this.setState('reconnecting');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.open();
    }, delayMs);
  }

  private finish(code: number | undefined, reason: string): void {
    if (this.currentState === 'closed') return;
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.retryTimer = this.refreshTimer = null;
    const socket = this.socket;
    this.socket = null;
    if (socket && socket.readyState <= WS_OPEN) socket.close(1000, 'client disconnect');
    this.setState('closed');
    this.emit('closed', { code, reason });
    this.firstOpen?.reject(new AvatarSdkError('CONNECTION_CLOSED', reason));
    this.firstOpen = null;
  }

  private receive(data: unknown): void {
    let message: ServerMessage;
    try {
      message = JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data as ArrayBuffer)) as ServerMessage;
    } catch {
      return; // not JSON: nothing this protocol sends
    }
    if (typeof message?.type !== 'string') return;
    if (typeof message.id === 'number' && (this.lastId === undefined || message.id > this.lastId)) this.lastId = message.id;
    this.emit('message', message);
    if (message.type !== 'frame' && message.type !== 'audio') this.emit('event', message);
    this.emit(message.type as keyof ConnectionEvents, message as never);
    // The server closes with 1000 right after: end here, so nothing tries to reconnect.
    if (message.type === 'session.stopped') this.finish(CLOSE.SESSION_STOPPED, 'session stopped');
  }

  private url(): string {
    const params = new URLSearchParams({ [WS_PARAMS.token]: this.token });
    if (this.lastId !== undefined) params.set(WS_PARAMS.lastEventId, String(this.lastId));
    if (this.options.sampleRate) params.set(WS_PARAMS.sampleRate, String(this.options.sampleRate));
    return `${this.options.wsUrl.replace(/\/+$/, '')}/${encodeURIComponent(this.sessionId)}?${params}`;
  }

  private expireToken(): void {
    this.tokenExpired = true;
  }

  /** Before a (re)connect: a token past (or near) its expiry, or refused, is refreshed first. */
  private needsRefresh(): boolean {
    if (!this.options.refreshToken) return false;
    const expiry = tokenExpiry(this.token);
    return this.tokenExpired || (expiry !== undefined && expiry * 1000 - Date.now() < 5_000);
  }

  /** One refresh at a time; the new token is used by the next (re)connect. */
  refresh(): Promise<void> {
    const refreshToken = this.options.refreshToken;
    if (!refreshToken) return Promise.resolve();
    this.refreshing ??= refreshToken()
      .then((token) => {
        this.token = token;
        this.tokenExpired = false;
        this.scheduleRefresh();
      })
      .finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  /**
   * Refreshes ahead of expiry, so that when the server closes the socket at the old
   * token's expiry (4001) the reconnect has a fresh token at once.
   */
  private scheduleRefresh(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
    const expiry = tokenExpiry(this.token);
    if (!this.options.refreshToken || expiry === undefined || this.stopped) return;
    const lifeMs = expiry * 1000 - Date.now();
    const marginMs = Math.min((this.options.refreshMarginSeconds ?? 60) * 1000, lifeMs / 2);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      this.refresh().catch(() => this.expireToken());
    }, Math.max(0, lifeMs - marginMs));
    (this.refreshTimer as { unref?: () => void }).unref?.();
  }

  private setState(state: ConnectionState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.emit('state', state);
  }
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export type { ClientEventMessage };
