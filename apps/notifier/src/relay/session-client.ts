import { ErrorEvent, EVENT_TYPES, WS_CLOSE_CODES, WS_MAX_MESSAGES_PER_SECOND } from '@avatar/contracts';
import type { SessionScope } from '@avatar/messaging';
import { MessageRateLimiter } from './rate-limiter';
import { SocketFeed } from './socket-feed';

/** The part of a `ws` WebSocket the relay needs. */
export interface ClientSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
}

const OPEN = 1;
/** A client that lets this much go unread is cut off rather than buffered without end. */
export const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/**
 * One connected socket of a session: its feed (ids, catch-up merge), its message rate
 * limit, its token's expiry and its interrupt in flight. No timer of its own.
 */
export class SessionClient {
  readonly feed: SocketFeed;
  readonly limiter: MessageRateLimiter;
  /** At most one interrupt request in flight; more while it runs are coalesced into one. */
  interruptInFlight = false;
  interruptQueued = false;

  constructor(
    readonly socket: ClientSocket,
    readonly scope: SessionScope,
    /** When the session token expires (ms since the epoch): the socket is closed then. */
    readonly expiresAtMs: number,
    lastEventId?: number,
    /** The tenant's messages per second (the session token's `wsr` claim), else the platform default. */
    readonly messagesPerSecond: number = WS_MAX_MESSAGES_PER_SECOND,
  ) {
    this.limiter = new MessageRateLimiter(messagesPerSecond);
    this.feed = new SocketFeed((text, type) => this.output(text, type), lastEventId ?? 0);
  }

  get isOpen(): boolean {
    return this.socket.readyState === OPEN;
  }

  /** An `error` event of this server (not from the session's stream). */
  sendError(code: string, message: string): void {
    const event: ErrorEvent = { type: 'error', code, message };
    this.feed.local(JSON.stringify({ session_id: this.scope.sessionId, ...event }).slice(1), event.type);
  }

  close(code: number, reason: string): void {
    if (this.socket.readyState === OPEN) this.socket.close(code, reason);
  }

  private output(text: string, type: string): void {
    if (!this.isOpen) return;
    if (this.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.close(WS_CLOSE_CODES.TRY_AGAIN_LATER, 'client too slow: reconnect with last_event_id');
      return;
    }
    this.socket.send(text);
    // Nothing follows the end of a session: the client has the event, then the close.
    if (type === EVENT_TYPES.SESSION_STOPPED) this.close(WS_CLOSE_CODES.SESSION_STOPPED, 'session stopped');
  }
}
