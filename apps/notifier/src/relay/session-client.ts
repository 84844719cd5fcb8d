import { Context, SpanKind } from '@opentelemetry/api';
import { ErrorEvent, EVENT_TYPES, WS_CLOSE_CODES, WS_ERROR_CODES, WS_MAX_MESSAGES_PER_SECOND } from '@avatar/contracts';
import type { SessionScope } from '@avatar/messaging';
import { ATTR, platformTracer, scopeAttributes } from '@avatar/observability';
import { DEFAULT_SOCKET_BUFFER_LIMITS, SocketBufferLimits } from '../notifier-config';
import { LagPolicy, mediaDroppedMessage } from './lag-policy';
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
/** Close reason of a socket cut off for lagging (close code 1013). */
export const CUT_OFF_REASON = 'client too slow: reconnect with last_event_id';

/**
 * One connected socket of a session: its feed (ids, catch-up merge), what it gets while
 * it lags (LagPolicy: media dropped, then cut off), its message rate limit, its token's
 * expiry and its interrupt in flight. No timer of its own.
 */
export class SessionClient {
  readonly feed: SocketFeed;
  readonly limiter: MessageRateLimiter;
  readonly lag: LagPolicy;
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
    /** Unsent bytes over which media is dropped / the socket is cut off (the notifier's config); the config defaults otherwise. */
    limits: Partial<SocketBufferLimits> = {},
  ) {
    this.limiter = new MessageRateLimiter(messagesPerSecond);
    this.lag = new LagPolicy({
      WS_MEDIA_DROP_BYTES: limits.WS_MEDIA_DROP_BYTES ?? DEFAULT_SOCKET_BUFFER_LIMITS.WS_MEDIA_DROP_BYTES,
      WS_MAX_BUFFERED_BYTES: limits.WS_MAX_BUFFERED_BYTES ?? DEFAULT_SOCKET_BUFFER_LIMITS.WS_MAX_BUFFERED_BYTES,
    });
    this.feed = new SocketFeed((text, type, trace) => this.output(text, type, trace), lastEventId ?? 0);
  }

  get isOpen(): boolean {
    return this.socket.readyState === OPEN;
  }

  /** An `error` event of this server (not from the session's stream). */
  sendError(code: string, message: string): void {
    this.sendLocal<ErrorEvent>({ type: 'error', code, message });
  }

  /** A message of this server for this socket only (an error, an audio buffer answer), stamped with the current id. */
  sendLocal<M extends { type: string }>(message: M): void {
    this.feed.local(JSON.stringify({ session_id: this.scope.sessionId, ...message }).slice(1), message.type);
  }

  close(code: number, reason: string): void {
    if (this.socket.readyState === OPEN) this.socket.close(code, reason);
  }

  /**
   * Every message of the socket passes here, already stamped by the feed: dropping one
   * (media only) changes no id, and the feed's catch-up merge happened before.
   */
  private output(text: string, type: string, trace?: Context): void {
    if (!this.isOpen) return;
    const unsent = this.socket.bufferedAmount;
    switch (this.lag.judge(type, unsent)) {
      case 'cut-off':
        this.close(WS_CLOSE_CODES.TRY_AGAIN_LATER, CUT_OFF_REASON);
        return;
      case 'drop':
        return;
      case 'send':
        break;
    }
    if (trace) {
      // A live lifecycle event (the relay's span is the parent): one `ws send` per socket it reached.
      const span = platformTracer().startSpan('ws send', { kind: SpanKind.PRODUCER, attributes: { ...scopeAttributes(this.scope), [ATTR.EVENT_TYPE]: type, 'avatar.ws.buffered_bytes': unsent } }, trace);
      this.socket.send(text);
      span.end();
    } else {
      this.socket.send(text);
    }
    // After the message, not before: stamped with the current id, the notice must not
    // carry the id of a lifecycle event the client has not received yet.
    const dropped = this.lag.endEpisode(unsent);
    if (dropped) this.sendError(WS_ERROR_CODES.MEDIA_DROPPED, mediaDroppedMessage(dropped));
    // Nothing follows the end of a session: the client has the event, then the close.
    if (type === EVENT_TYPES.SESSION_STOPPED) this.close(WS_CLOSE_CODES.SESSION_STOPPED, 'session stopped');
  }
}
