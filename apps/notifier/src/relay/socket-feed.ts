import type { Context } from '@opentelemetry/api';

/**
 * One event as the notifier relays it: decoded once per session (not per socket).
 * `seq` is the stream sequence of a lifecycle event; media events have none.
 * `body` is the client message without its id: the JSON of `{session_id, ...event}`
 * with its opening brace cut off, so that each socket only prefixes its own id.
 */
export interface RelayedEvent {
  seq?: number;
  type: string;
  body: string;
  /** The relay's trace context of a live lifecycle event: its sends are traced under it (none for media and history). */
  trace?: Context;
}

export function relayedEvent<E extends { type: string }>(seq: number | undefined, sessionId: string, event: E): RelayedEvent {
  return { seq, type: event.type, body: JSON.stringify({ session_id: sessionId, ...event }).slice(1) };
}

/** Where a feed's messages go: the socket (text to send), the event's type, and the trace context of a live lifecycle event. */
export type FeedOutput = (text: string, type: string, trace?: Context) => void;

/**
 * The events of one socket, merged from the session's history (catch-up, from the
 * stream) and its live subscription, without gap or duplicate (ADR 0004):
 *
 * - Until `goLive()`, live events are buffered; history events are delivered in order.
 * - `goLive()` flushes the buffer: lifecycle events already delivered (seq ≤ last id)
 *   are dropped, and so is every media event that came before one of them (it is older
 *   than what the client has already seen), then the feed passes live events through.
 * - A lifecycle event's id is its stream sequence; a media event's id is the id of the
 *   last lifecycle event delivered on this socket (non-decreasing), so a reconnect with
 *   `last_event_id` never skips a lifecycle event, and media are never replayed.
 */
export class SocketFeed {
  private buffer: RelayedEvent[] | undefined = [];

  constructor(
    private readonly output: FeedOutput,
    /** The id the client already has (`last_event_id`), 0 for a first connect. */
    private last = 0,
  ) {}

  /** Id of the last lifecycle event this socket received (or resumed after). */
  get lastId(): number {
    return this.last;
  }

  get isLive(): boolean {
    return this.buffer === undefined;
  }

  /** A stored lifecycle event read during catch-up, in stream order. */
  history(event: RelayedEvent): void {
    this.deliver(event);
  }

  /** An event from the session's live subscription. */
  live(event: RelayedEvent): void {
    if (this.buffer) this.buffer.push(event);
    else this.deliver(event);
  }

  /** Catch-up is over: deliver what arrived meanwhile and pass everything through from now on. */
  goLive(): void {
    const buffered = this.buffer ?? [];
    this.buffer = undefined;
    let staleUntil = -1;
    buffered.forEach((e, i) => {
      if (e.seq !== undefined && e.seq <= this.last) staleUntil = i;
    });
    buffered.forEach((e, i) => {
      if (i <= staleUntil && e.seq === undefined) return;
      this.deliver(e);
    });
  }

  /** A message of this server's own (an `error` answer), stamped with the current id. */
  local(body: string, type: string): void {
    this.output(`{"id":${this.last},${body}`, type);
  }

  private deliver(event: RelayedEvent): void {
    if (event.seq !== undefined) {
      if (event.seq <= this.last) return;
      this.last = event.seq;
    }
    this.output(`{"id":${this.last},${event.body}`, event.type, event.trace);
  }
}
