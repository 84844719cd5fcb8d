import { TenantScope, TenantScopes } from '../tenancy/tenant-scope';
/**
 * The NATS subject scheme: every subject carries the tenant and the session, so a
 * subscription derived from a verified token cannot reach another tenant's traffic.
 *
 *   evt.<tenant>.<session>.<event type>   lifecycle events, stored (JetStream stream SESSION_EVENTS)
 *   live.<tenant>.<session>.<event type>  every event as it happens (core NATS): the stream
 *                                         re-publishes each stored lifecycle event here (with
 *                                         its `Nats-Sequence` header), and media events (frame,
 *                                         audio) are published here directly, never stored
 *   cmd.<tenant>.<session>.<command>      commands to the workers (core NATS, request/reply)
 *   presence.<tenant>.<session>           a client is watching this session (core NATS)
 */

export const EVENTS_STREAM = 'SESSION_EVENTS';
export const EVENTS_SUBJECT_ROOT = 'evt';
export const LIVE_SUBJECT_ROOT = 'live';
export const COMMANDS_SUBJECT_ROOT = 'cmd';
export const PRESENCE_SUBJECT_ROOT = 'presence';

/**
 * The notifier announces each session that has at least one connected socket on
 * `presence.<tenant>.<session>` (core NATS) when the first socket connects and then
 * every PRESENCE_INTERVAL_MS: a session with a watching client is not idle.
 */
export const PRESENCE_INTERVAL_MS = 10_000;

/** Queue group of the workers: a command sent to it is handled by exactly one worker. */
export const WORKER_QUEUE_GROUP = 'workers';

export const COMMANDS = {
  /** Open the provider session (request/reply, one worker). */
  START: 'start',
  /** Mark the session's pending tasks interrupted (request/reply, one worker). */
  INTERRUPT: 'interrupt',
  /** Close the provider session and drop its tasks (request/reply, one worker). */
  STOP: 'stop',
  /** End a vendor session nobody uses (one worker, no reply). */
  RELEASE: 'release',
  /** Abort whatever this session is speaking (broadcast: every worker checks). */
  HALT: 'halt',
  /** Close the session's vendor connection (broadcast: its owner does; docs/adr/0012). */
  CLOSE: 'close',
  /** Speak one task on the worker that owns the session's vendor connection (request to the owner only; docs/adr/0012). */
  SPEAK: 'speak',
  /** Make the session's buffered client audio a speech task (request/reply, one worker). */
  COMMIT_AUDIO: 'commit_audio',
  /** The user starts or stops talking (broadcast: the holder of a vendor connection with a listening state forwards it). */
  LISTEN: 'listen',
} as const;
export type Command = (typeof COMMANDS)[keyof typeof COMMANDS];

const TOKEN = /^[A-Za-z0-9_-]+$/;

function token(name: string, value: string): string {
  // A dot, space or wildcard inside an id would change which subjects match.
  if (!TOKEN.test(value)) throw new Error(`${name} is not a valid subject token: ${JSON.stringify(value)}`);
  return value;
}

export const subjects = {
  event(tenantId: string, sessionId: string, type: string): string {
    return `${EVENTS_SUBJECT_ROOT}.${token('tenantId', tenantId)}.${token('sessionId', sessionId)}.${type}`;
  },
  /** Every event of one session. */
  sessionEvents(tenantId: string, sessionId: string): string {
    return `${EVENTS_SUBJECT_ROOT}.${token('tenantId', tenantId)}.${token('sessionId', sessionId)}.>`;
  },
  allEvents(): string {
    return `${EVENTS_SUBJECT_ROOT}.>`;
  },
  /** Where one event of a session is seen live (re-published lifecycle or direct media). */
  live(tenantId: string, sessionId: string, type: string): string {
    return `${LIVE_SUBJECT_ROOT}.${token('tenantId', tenantId)}.${token('sessionId', sessionId)}.${type}`;
  },
  /** Every live event of one session: what the notifier subscribes to, once per session. */
  sessionLive(tenantId: string, sessionId: string): string {
    return `${LIVE_SUBJECT_ROOT}.${token('tenantId', tenantId)}.${token('sessionId', sessionId)}.>`;
  },
  allLive(): string {
    return `${LIVE_SUBJECT_ROOT}.>`;
  },
  command(tenantId: string, sessionId: string, command: Command): string {
    return `${COMMANDS_SUBJECT_ROOT}.${token('tenantId', tenantId)}.${token('sessionId', sessionId)}.${command}`;
  },
  /** A command for any tenant and session: what a worker subscribes to. */
  anyCommand(command: Command): string {
    return `${COMMANDS_SUBJECT_ROOT}.*.*.${command}`;
  },
  presence(tenantId: string, sessionId: string): string {
    return `${PRESENCE_SUBJECT_ROOT}.${token('tenantId', tenantId)}.${token('sessionId', sessionId)}`;
  },
  anyPresence(): string {
    return `${PRESENCE_SUBJECT_ROOT}.*.*`;
  },
  /** Reads tenant and session back from an event, live, command or presence subject. */
  /** The scope of a subject the platform published (its tenant is on record). */
  parse(subject: string): { tenantId: TenantScope; sessionId: string; rest: string } {
    const [root, tenantId, sessionId, ...rest] = subject.split('.');
    const known = root === EVENTS_SUBJECT_ROOT || root === LIVE_SUBJECT_ROOT || root === COMMANDS_SUBJECT_ROOT || root === PRESENCE_SUBJECT_ROOT;
    if (!known || !tenantId || !sessionId || (rest.length === 0 && root !== PRESENCE_SUBJECT_ROOT)) {
      throw new Error(`not a session subject: ${subject}`);
    }
    return { tenantId: TenantScopes.ofRecord(tenantId), sessionId, rest: rest.join('.') };
  },
};

/**
 * The stream re-publishes every stored event from `evt.>` to `live.>` (server side,
 * in stream order, before the publisher's ack), with these headers.
 */
export const EVENTS_REPUBLISH = { src: `${EVENTS_SUBJECT_ROOT}.>`, dest: `${LIVE_SUBJECT_ROOT}.>` } as const;
/** Header of a re-published message: its stream sequence (the lifecycle event's id). */
export const STREAM_SEQUENCE_HEADER = 'Nats-Sequence';

/** The W3C trace context header: the gateway answers it on every response (NATS headers are filled by the OTel propagator, libs/messaging nats-trace). */
export const TRACEPARENT_HEADER = 'traceparent';

/** Durable JetStream consumer that writes the session event history to the database. */
export const EVENT_HISTORY_CONSUMER = 'event-history';

/**
 * Durable JetStream consumers that turn lifecycle events into webhook deliveries
 * (docs/adr/0010), one per subject filter: nats-server 2.9 takes one filter per
 * consumer, and these two keep every other event (status, chat, task.started…) away.
 */
export const WEBHOOK_EVENT_CONSUMERS = [
  { name: 'webhooks-sessions', filter: `${EVENTS_SUBJECT_ROOT}.*.*.session.*` },
  { name: 'webhooks-task-failed', filter: `${EVENTS_SUBJECT_ROOT}.*.*.task.failed` },
] as const;

/**
 * `auth.<tenant>.apikey.revoked` (core NATS, body `{key_hash}`): whoever revokes a
 * tenant's API key announces it, and every gateway drops the key from its cache at
 * once (a cached key is otherwise trusted for API_KEY_CACHE_TTL_MS).
 */
export const apiKeySubjects = {
  revoked(tenantId: string): string {
    return `auth.${token('tenantId', tenantId)}.apikey.revoked`;
  },
  anyRevoked(): string {
    return 'auth.*.apikey.revoked';
  },
};
/**
 * "Forget what you cached": a key was revoked or rotated (key_hash), or the whole
 * tenant was disabled (all_keys). Gateways look the key up again on its next use.
 */
export type ApiKeyRevoked = { key_hash: string } | { all_keys: true };

/**
 * `tenant.<tenant>.changed` (core NATS, empty body): an administrator changed the
 * tenant's settings (limits, quotas, billing, providers) or status; every process that
 * caches them reads them again.
 */
export const tenantSubjects = {
  changed(tenantId: string): string {
    return `tenant.${token('tenantId', tenantId)}.changed`;
  },
  anyChanged(): string {
    return 'tenant.*.changed';
  },
};
