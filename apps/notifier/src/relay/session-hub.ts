import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { EventEnvelope, PRESENCE_INTERVAL_MS, STREAM_SEQUENCE_HEADER, subjects, WS_CLOSE_CODES } from '@avatar/contracts';
import { decodeEventEnvelope, encodeJson, NATS_CONNECTION, onReconnect, RefusedMessages, SessionHistory, SessionScope } from '@avatar/messaging';
import { NOTIFIER_CONFIG, NotifierConfig } from '../notifier-config';
import { SessionClient } from './session-client';
import { relayedEvent } from './socket-feed';
import { relayTraced } from './relay-tracing';

/** How often token expiry is checked, for all sockets at once. */
const EXPIRY_SWEEP_MS = 1_000;
/** How long a drain waits for clients to answer the close before cutting them off. */
const DRAIN_GRACE_MS = 3_000;

/** The verdict on an upgrade, before any socket exists. */
export type Admission = { ok: true; release(): void } | { ok: false; status: number; code: string; reason: string };

interface Channel {
  scope: SessionScope;
  clients: Set<SessionClient>;
  /** Upgrades admitted but not connected yet: they count against the socket cap. */
  reserved: number;
  subscription?: Subscription;
  /** Resolves once the server has the subscription: nothing published after that is missed. */
  subscribed?: Promise<void>;
}

/**
 * The notifier's sessions (ADR 0004): ONE core-NATS subscription per session
 * (`live.<t>.<s>.>`) shared by all its sockets here — made on the first socket, dropped
 * with the last; JetStream only to catch a connecting socket up. Also the per-session
 * socket cap, presence announcements and token expiry (one timer each for the whole
 * notifier), and the drain on shutdown (close code 1012).
 */
@Injectable()
export class SessionHub implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SessionHub.name);
  private readonly channels = new Map<string, Channel>();
  private readonly history: SessionHistory;
  /** Events that fail their schema are dropped, and logged (never their content) at most once a minute. */
  private readonly refused = new RefusedMessages((line) => this.logger.warn(line));
  private draining = false;
  private timers: NodeJS.Timeout[] = [];

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig,
  ) {
    this.history = new SessionHistory(nc, (err) => this.refused.report('stored event', err));
  }

  onApplicationBootstrap(): void {
    this.timers = [setInterval(() => this.announcePresence(), PRESENCE_INTERVAL_MS), setInterval(() => this.closeExpired(Date.now()), EXPIRY_SWEEP_MS)];
    for (const timer of this.timers) timer.unref();
    void onReconnect(this.nc, () => this.closeAllAfterReconnect());
  }

  /**
   * Core NATS does not buffer for a disconnected subscriber: after a reconnect the live
   * feeds may have a gap, so every socket is closed with 1013 and its client resumes
   * from its last id (the stream replays the lifecycle events it missed).
   */
  private closeAllAfterReconnect(): void {
    const clients = [...this.channels.values()].flatMap((c) => [...c.clients]);
    if (clients.length > 0) this.logger.warn(`NATS reconnected: closing ${clients.length} sockets so they resume from their last event`);
    for (const client of clients) client.close(WS_CLOSE_CODES.TRY_AGAIN_LATER, 'event stream interrupted: reconnect with last_event_id');
  }

  /**
   * Whether a socket for this session may open: not while draining (503), not over the
   * per-session cap (429), not for a stopped session (410). An admitted upgrade holds a
   * slot until it connects (`attach`) or `release()` is called.
   */
  async admit(scope: SessionScope): Promise<Admission> {
    if (this.draining) return { ok: false, status: 503, code: 'SERVICE_UNAVAILABLE', reason: 'notifier is restarting: connect again' };
    const channel = this.channel(scope);
    if (channel.clients.size + channel.reserved >= this.config.WS_MAX_SOCKETS_PER_SESSION) {
      this.dropIfUnused(channel);
      return { ok: false, status: 429, code: 'RATE_LIMITED', reason: `at most ${this.config.WS_MAX_SOCKETS_PER_SESSION} sockets per session` };
    }
    channel.reserved++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      channel.reserved--;
      this.dropIfUnused(channel);
    };
    try {
      if (await this.history.isStopped(scope)) {
        release();
        return { ok: false, status: 410, code: 'SESSION_NOT_ACTIVE', reason: 'session stopped' };
      }
    } catch (err) {
      release();
      this.logger.warn(`cannot check session ${scope.sessionId}: ${(err as Error).message}`);
      return { ok: false, status: 503, code: 'SERVICE_UNAVAILABLE', reason: 'event stream unavailable' };
    }
    return { ok: true, release };
  }

  /**
   * Connects an admitted socket: joins the session's live subscription (buffering),
   * delivers the stored history after `lastEventId`, then switches to live.
   */
  async attach(client: SessionClient, admission: { release(): void }, lastEventId?: number): Promise<void> {
    const channel = this.channel(client.scope);
    channel.clients.add(client);
    admission.release();
    if (!channel.subscription) {
      channel.subscription = this.nc.subscribe(subjects.sessionLive(client.scope.tenantId, client.scope.sessionId), {
        callback: (err, msg) => (err ? this.logger.warn(`live subscription of ${client.scope.sessionId}: ${err.message}`) : this.relay(channel, msg)),
      });
      channel.subscribed = this.nc.flush();
      this.announce(channel);
    }
    try {
      await channel.subscribed;
      await this.history.read(client.scope, lastEventId, (events) => {
        if (!client.isOpen) return false;
        for (const { seq, envelope } of events) client.feed.history(relayedEvent(seq, envelope.session_id, envelope.event));
      });
      client.feed.goLive();
    } catch (err) {
      this.logger.error(`cannot catch session ${client.scope.sessionId} up: ${(err as Error).message}`);
      client.close(WS_CLOSE_CODES.INTERNAL_ERROR, 'event stream unavailable');
    }
  }

  detach(client: SessionClient): void {
    const channel = this.channels.get(key(client.scope));
    if (!channel) return;
    channel.clients.delete(client);
    this.dropIfUnused(channel);
  }

  /** Sockets connected to this notifier (all sessions). */
  get socketCount(): number {
    let n = 0;
    for (const channel of this.channels.values()) n += channel.clients.size;
    return n;
  }

  /** Graceful drain: refuse upgrades, close every socket with 1012 so clients reconnect elsewhere. */
  async beforeApplicationShutdown(): Promise<void> {
    this.draining = true;
    for (const timer of this.timers) clearInterval(timer);
    const clients = [...this.channels.values()].flatMap((c) => [...c.clients]);
    if (clients.length === 0) return;
    this.logger.log(`closing ${clients.length} sockets (service restart)`);
    for (const client of clients) client.close(WS_CLOSE_CODES.SERVICE_RESTART, 'service restart');
    const deadline = Date.now() + DRAIN_GRACE_MS;
    while (this.socketCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const client of clients) client.socket.terminate();
  }

  private relay(channel: Channel, msg: Msg): void {
    let envelope: EventEnvelope;
    try {
      envelope = decodeEventEnvelope(msg.subject, msg.data);
    } catch (err) {
      this.refused.report('live event', err);
      return;
    }
    const seqHeader = msg.headers?.get(STREAM_SEQUENCE_HEADER);
    const event = relayedEvent(seqHeader ? Number(seqHeader) : undefined, channel.scope.sessionId, envelope.event);
    relayTraced(channel.scope, msg, event, () => {
      for (const client of channel.clients) client.feed.live(event);
    });
  }

  private channel(scope: SessionScope): Channel {
    const k = key(scope);
    let channel = this.channels.get(k);
    if (!channel) {
      channel = { scope, clients: new Set(), reserved: 0 };
      this.channels.set(k, channel);
    }
    return channel;
  }

  private dropIfUnused(channel: Channel): void {
    if (channel.clients.size > 0 || channel.reserved > 0) return;
    channel.subscription?.unsubscribe();
    if (this.channels.get(key(channel.scope)) === channel) this.channels.delete(key(channel.scope));
  }

  private announcePresence(): void {
    for (const channel of this.channels.values()) if (channel.clients.size > 0) this.announce(channel);
  }

  private announce(channel: Channel): void {
    try {
      this.nc.publish(subjects.presence(channel.scope.tenantId, channel.scope.sessionId), encodeJson({ sockets: channel.clients.size }));
    } catch (err) {
      this.logger.warn(`presence of ${channel.scope.sessionId} not announced: ${(err as Error).message}`);
    }
  }

  private closeExpired(now: number): void {
    for (const channel of this.channels.values()) {
      for (const client of channel.clients) {
        if (client.expiresAtMs <= now) client.close(WS_CLOSE_CODES.TOKEN_EXPIRED, 'token expired');
      }
    }
  }
}

function key(scope: SessionScope): string {
  return `${scope.tenantId}.${scope.sessionId}`;
}
