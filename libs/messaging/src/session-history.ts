import { randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, jetstream, JetStreamClient, jetstreamManager, JetStreamManager } from '@nats-io/jetstream';
import { EVENT_TYPES, EventEnvelope, EVENTS_STREAM, subjects } from '@avatar/contracts';
import { decodeEventEnvelope } from './message-validation';
import { SessionScope } from './event-publisher';

export interface StoredEvent {
  /** Stream sequence: the event's id. */
  seq: number;
  envelope: EventEnvelope;
}

/** Events per fetch of a catch-up. */
const CATCH_UP_BATCH = 256;
/** A catch-up consumer the server removes by itself if its reader vanished. */
const CATCH_UP_INACTIVE_NS = 30 * 1_000_000_000;
const FETCH_EXPIRES_MS = 5_000;

/**
 * Reads a session's stored (lifecycle) events from the events stream: the notifier's
 * catch-up for a connecting socket, and whether a session has stopped.
 */
export class SessionHistory {
  private readonly js: JetStreamClient;
  private jsm?: Promise<JetStreamManager>;

  constructor(
    private readonly nc: NatsConnection,
    /** Told about a stored event that fails its schema (it is skipped): what is wrong, never its content. */
    private readonly onInvalid: (err: unknown) => void = () => undefined,
  ) {
    this.js = jetstream(nc);
  }

  /**
   * The session's events stored after `afterSeq` (all of them when undefined), in
   * stream order, in batches. A short-lived ephemeral consumer: its creation fixes how
   * many events there are (`num_pending`); exactly that many are fetched, and events
   * stored later are the live subscription's business. Stops early when the caller
   * returns `false` from `onBatch` (the socket went away).
   */
  async read(scope: SessionScope, afterSeq: number | undefined, onBatch: (events: StoredEvent[]) => boolean | void): Promise<void> {
    const jsm = await this.manager();
    const info = await jsm.consumers.add(EVENTS_STREAM, {
      // Named, so the request names its filter (`CONSUMER.CREATE.<stream>.<name>.<filter>`):
      // what the notifier's NATS permissions allow is one session's events, not any filter.
      name: `catch-up-${randomUUID()}`,
      ack_policy: AckPolicy.None,
      filter_subject: subjects.sessionEvents(scope.tenantId, scope.sessionId),
      ...(afterSeq !== undefined ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: afterSeq + 1 } : { deliver_policy: DeliverPolicy.All }),
      mem_storage: true,
      inactive_threshold: CATCH_UP_INACTIVE_NS,
    });
    try {
      let remaining = info.num_pending;
      if (remaining === 0) return;
      const consumer = await this.js.consumers.get(EVENTS_STREAM, info.name);
      while (remaining > 0) {
        const want = Math.min(CATCH_UP_BATCH, remaining);
        const batch: StoredEvent[] = [];
        let skipped = 0;
        for await (const msg of await consumer.fetch({ max_messages: want, expires: FETCH_EXPIRES_MS })) {
          try {
            batch.push({ seq: msg.seq, envelope: decodeEventEnvelope(msg.subject, msg.data) });
          } catch (err) {
            skipped++;
            this.onInvalid(err);
          }
        }
        remaining -= batch.length + skipped;
        if (onBatch(batch) === false) return;
        // Fewer than asked: the rest expired from the stream meanwhile.
        if (batch.length + skipped < want) return;
      }
    } finally {
      await jsm.consumers.delete(EVENTS_STREAM, info.name).catch(() => undefined);
    }
  }

  /** Whether `session.stopped` was published for the session (while the stream keeps it). */
  async isStopped(scope: SessionScope): Promise<boolean> {
    const jsm = await this.manager();
    const last = await jsm.streams.getMessage(EVENTS_STREAM, {
      last_by_subj: subjects.event(scope.tenantId, scope.sessionId, EVENT_TYPES.SESSION_STOPPED),
    });
    return last !== null;
  }

  private manager(): Promise<JetStreamManager> {
    this.jsm ??= jetstreamManager(this.nc).catch((err: unknown) => {
      this.jsm = undefined;
      throw err;
    });
    return this.jsm;
  }
}
