import { connect, createInbox, NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, JetStreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { EVENTS_REPUBLISH, EVENTS_STREAM, natsInboxPrefix, subjects } from '@avatar/contracts';

export interface NatsOptions {
  url: string;
  /** Shown in the server's connection list: which app this is. */
  name: string;
  eventsMaxAgeSeconds: number;
  /**
   * NATS_USER / NATS_PASSWORD: the app's own NATS user (libs/contracts permissions.ts),
   * over any user in the URL. Unset: the URL's, or none (a NATS without authentication).
   */
  user?: string;
  password?: string;
}

/** A NATS_URL (`nats://user:pass@host:port`) as nats.js connect options. */
export function natsServerOptions(natsUrl: string): { servers: string; user?: string; pass?: string } {
  const url = new URL(natsUrl);
  return {
    servers: `${url.hostname}:${url.port || 4222}`,
    user: url.username ? decodeURIComponent(url.username) : undefined,
    pass: url.password ? decodeURIComponent(url.password) : undefined,
  };
}

/**
 * The nats.js options of an app's connection: its user, and its replies under its own
 * inbox prefix (`_INBOX.<user>`), the only inboxes its permissions let it read.
 */
export function natsConnectOptions(options: Pick<NatsOptions, 'url' | 'user' | 'password'>): { servers: string; user?: string; pass?: string; inboxPrefix?: string } {
  const server = natsServerOptions(options.url);
  const user = options.user ?? server.user;
  const pass = options.user !== undefined ? options.password : server.pass;
  return { servers: server.servers, ...(user !== undefined ? { user, pass, inboxPrefix: natsInboxPrefix(user) } : {}) };
}

/** A new inbox under the connection's inbox prefix (a bare createInbox() would be outside what the app may read). */
export function createInboxOf(nc: NatsConnection): string {
  return createInbox((nc as NatsConnection & { options?: { inboxPrefix?: string } }).options?.inboxPrefix);
}

export async function connectNats(options: NatsOptions): Promise<NatsConnection> {
  return connect({
    ...natsConnectOptions(options),
    name: options.name,
    // Keep trying while the server restarts: a blip must not kill a worker.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    // Without it every request (each JetStream publish is one) builds two Errors up
    // front (the request's and its timer's) to keep the caller's stack in case it
    // fails; the speak path makes several per task. Our callers name the command or
    // subject in their own errors.
    noAsyncTraces: true,
  });
}

/**
 * Runs `handler` after every reconnect of `nc`, until the connection closes. Core NATS
 * delivers nothing published while a subscriber was disconnected: what a subscriber
 * keeps from its messages (live feeds, cached keys) may have a gap after one.
 */
export async function onReconnect(nc: NatsConnection, handler: () => void): Promise<void> {
  for await (const status of nc.status()) {
    if (status.type === 'reconnect') handler();
  }
}

/**
 * Creates or updates the stream that keeps every lifecycle event for replay and
 * re-publishes it to `live.>` (ADR 0004). Every app calls it at start-up, so whichever
 * starts first creates it; the call is idempotent.
 *
 * nats-server 2.9 refuses to add RePublish to an existing stream ("can not change
 * RePublish"): a stream of an earlier release (no RePublish) is deleted and created
 * again, which drops its stored history once, at the upgrade.
 *
 * With the platform's NATS permissions only the worker may update or delete the
 * stream (a gateway or notifier that could would be able to redirect every event):
 * the others create it if it is missing and otherwise take it as the workers left it;
 * one that finds a stream of an earlier release waits for a worker to replace it.
 */
export async function ensureEventsStream(nc: NatsConnection, maxAgeSeconds: number, options: { waitForManagerMs?: number } = {}): Promise<JetStreamManager> {
  const jsm = await jetstreamManager(nc);
  const config = {
    name: EVENTS_STREAM,
    subjects: [subjects.allEvents()],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: maxAgeSeconds * 1_000_000_000,
    // Publishers set a message id per event, so a retried publish is stored once.
    duplicate_window: 2 * 60 * 1_000_000_000,
    republish: { src: EVENTS_REPUBLISH.src, dest: EVENTS_REPUBLISH.dest },
  };
  const deadline = Date.now() + (options.waitForManagerMs ?? 60_000);
  for (;;) {
    const current = await jsm.streams.info(EVENTS_STREAM).catch((err: unknown) => {
      if (isStreamNotFound(err)) return undefined;
      throw err;
    });
    try {
      if (current && !hasRepublish(current.config.republish)) {
        await jsm.streams.delete(EVENTS_STREAM).catch((err: unknown) => {
          // Another app replaced it first.
          if (!isStreamNotFound(err)) throw err;
        });
      } else if (current) {
        // Already as wanted: nothing to ask (and nothing a gateway or notifier may not ask).
        if (sameConfig(current.config, config)) return jsm;
        await jsm.streams.update(EVENTS_STREAM, config);
        return jsm;
      }
    } catch (err) {
      if (!isPermissionViolation(err)) throw err;
      // Not this app's to change: a stream with RePublish is the one to use as it is.
      if (current && hasRepublish(current.config.republish)) return jsm;
      if (Date.now() > deadline) throw new Error(`the events stream ${EVENTS_STREAM} is of an earlier release and this NATS user may not replace it: start a worker (it does)`);
      await new Promise((resolve) => setTimeout(resolve, 500));
      continue;
    }
    try {
      await jsm.streams.add(config);
    } catch (addErr) {
      // Another app created it between our look-up and our add.
      if (!String(addErr).includes('already in use')) throw addErr;
    }
    return jsm;
  }
}

function sameConfig(current: { subjects?: string[]; max_age?: number; duplicate_window?: number }, wanted: { subjects: string[]; max_age: number; duplicate_window: number }): boolean {
  return current.max_age === wanted.max_age && current.duplicate_window === wanted.duplicate_window && JSON.stringify(current.subjects ?? []) === JSON.stringify(wanted.subjects);
}

function hasRepublish(republish: { src?: string; dest?: string } | undefined): boolean {
  return republish?.src === EVENTS_REPUBLISH.src && republish?.dest === EVENTS_REPUBLISH.dest;
}

/** The server refused the request: this NATS user has no right to the subject. */
export function isPermissionViolation(err: unknown): boolean {
  return /permissions? violation/i.test(String((err as Error)?.message ?? err)) || /permission/i.test(String((err as Error)?.name ?? ''));
}

function isStreamNotFound(err: unknown): boolean {
  return /stream not found/i.test(String((err as Error)?.message ?? err));
}
