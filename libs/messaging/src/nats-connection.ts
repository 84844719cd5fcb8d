import { connect, NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, JetStreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { EVENTS_REPUBLISH, EVENTS_STREAM, subjects } from '@avatar/contracts';

export interface NatsOptions {
  url: string;
  /** Shown in the server's connection list: which app this is. */
  name: string;
  eventsMaxAgeSeconds: number;
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

export async function connectNats(options: NatsOptions): Promise<NatsConnection> {
  return connect({
    ...natsServerOptions(options.url),
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
 */
export async function ensureEventsStream(nc: NatsConnection, maxAgeSeconds: number): Promise<JetStreamManager> {
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
  const current = await jsm.streams.info(EVENTS_STREAM).catch((err: unknown) => {
    if (isStreamNotFound(err)) return undefined;
    throw err;
  });
  if (current && !hasRepublish(current.config.republish)) {
    await jsm.streams.delete(EVENTS_STREAM).catch((err: unknown) => {
      // Another app replaced it first.
      if (!isStreamNotFound(err)) throw err;
    });
  } else if (current) {
    await jsm.streams.update(EVENTS_STREAM, config);
    return jsm;
  }
  try {
    await jsm.streams.add(config);
  } catch (addErr) {
    // Another app created it between our look-up and our add.
    if (!String(addErr).includes('already in use')) throw addErr;
  }
  return jsm;
}

function hasRepublish(republish: { src?: string; dest?: string } | undefined): boolean {
  return republish?.src === EVENTS_REPUBLISH.src && republish?.dest === EVENTS_REPUBLISH.dest;
}

function isStreamNotFound(err: unknown): boolean {
  return /stream not found/i.test(String((err as Error)?.message ?? err));
}
