import { EVENTS_SUBJECT_ROOT, EVENTS_STREAM, EVENT_HISTORY_CONSUMER, LIVE_SUBJECT_ROOT, COMMANDS, Command, WEBHOOK_EVENT_CONSUMERS, apiKeySubjects, subjects, tenantSubjects } from './subjects';
import { MEDIA_EVENT_TYPES } from '../events/session-events';
import { NOTIFIER_SOCKETS_SUBJECT } from './ops-subjects';

/**
 * Who may do what on NATS: the one place the platform's NATS users and their allow
 * lists live (docs/adr: "NATS users and permissions"). The embedded NATS of `npm start`
 * and of the test suites is configured from it (scripts/infra/nats-auth.js), and so is
 * the snippet operators put in front of their own NATS.
 *
 * Every subject here is built from the subject scheme (./subjects.ts): a subject added
 * there and used by an app is refused by the server until it is granted here, and the
 * e2e suites (which all run with these permissions) say so at once.
 *
 * - gateway:  requests session commands (start, stop), broadcasts release and halt,
 *             publishes lifecycle events (JetStream), announces and hears key
 *             revocations and tenant changes, hears a session's halts (chat replies),
 *             asks every notifier for its socket count (GET /metrics as JSON).
 * - worker:   answers every command, broadcasts halt and close, asks a session's owner
 *             to speak (and streams to the asker's inbox), publishes lifecycle events
 *             (JetStream) and media (`live.*.*.frame|audio`), hears presence, owns the
 *             events stream and its durable consumers (history, webhooks).
 * - notifier: sends a client's commands (interrupt, commit_audio, listen), publishes
 *             status events (JetStream) and presence, hears `live.>` (media and the
 *             stream's re-published lifecycle events), catches sockets up through
 *             short-lived consumers of one session's events, answers the gateway's
 *             socket count question (ops.notifier.sockets).
 * - admin:    the admin CLI: announces key revocations and tenant changes, hears nothing.
 *
 * Nobody subscribes to `evt.>`: lifecycle events are read through the stream (its
 * consumers) or on `live.>` after the stream stored them. The stream's re-publish to
 * `live.>` is done by the server itself (no user's permission is involved).
 *
 * Each app takes replies on its own inbox prefix (`_INBOX.<user>`, see natsInboxPrefix):
 * an app can read only its own replies, never another's (a start's reply carries the
 * vendor's client token).
 */

export const NATS_ROLES = ['gateway', 'worker', 'notifier', 'admin'] as const;
export type NatsRole = (typeof NATS_ROLES)[number];

export interface NatsPermissions {
  publish: { allow: string[]; deny: string[] };
  subscribe: { allow: string[]; deny: string[] };
  /** May publish to the reply subject of a request it received (one answer per request). */
  allowResponses: boolean;
}

const USER = /^[A-Za-z0-9_-]+$/;

/**
 * The inbox prefix of a NATS user: its connection makes every request's reply inbox
 * (and JetStream's) under it, and may subscribe to nothing else of `_INBOX`.
 */
export function natsInboxPrefix(user: string): string {
  if (!USER.test(user)) throw new Error(`a NATS user name must be letters, digits, _ or - (it names the inbox prefix): ${JSON.stringify(user)}`);
  return `_INBOX.${user}`;
}

/** Every subject under a prefix. */
const under = (prefix: string) => `${prefix}.>`;

/** A command for any tenant and session. */
const anyCommand = (command: Command) => subjects.anyCommand(command);

/** JetStream's API on the events stream: the only stream the platform has. */
const JS_API = '$JS.API';
const jsApi = {
  /** Account info: asked by every JetStream manager before anything else. */
  accountInfo: `${JS_API}.INFO`,
  stream: (operation: 'INFO' | 'CREATE' | 'UPDATE' | 'DELETE' | 'MSG.GET') => `${JS_API}.STREAM.${operation}.${EVENTS_STREAM}`,
  /** `CONSUMER.CREATE.<stream>.<name>[.<filter>]` (nats-server ≥ 2.9 names the filter in the subject). */
  consumerCreate: (name: string) => [`${JS_API}.CONSUMER.CREATE.${EVENTS_STREAM}.${name}`, `${JS_API}.CONSUMER.CREATE.${EVENTS_STREAM}.${name}.>`],
  consumer: (operation: 'INFO' | 'DELETE' | 'MSG.NEXT' | 'DURABLE.CREATE', name: string) => `${JS_API}.CONSUMER.${operation}.${EVENTS_STREAM}.${name}`,
  /** Acknowledgements of one consumer's messages (`$JS.ACK.<stream>.<consumer>.…`). */
  acks: (name: string) => `$JS.ACK.${EVENTS_STREAM}.${name}.>`,
};

/** The worker's durable consumers of the events stream. */
const DURABLES: string[] = [EVENT_HISTORY_CONSUMER, ...WEBHOOK_EVENT_CONSUMERS.map((c) => c.name)];

/** Everything one durable consumer needs: create (or find) it, read its info, pull, acknowledge. */
function durableConsumer(name: string): string[] {
  return [...jsApi.consumerCreate(name), jsApi.consumer('DURABLE.CREATE', name), jsApi.consumer('INFO', name), jsApi.consumer('MSG.NEXT', name)];
}

/**
 * The notifier's catch-up consumers: one session's events (`evt.<t>.<s>.>`), any name
 * (SessionHistory names them), read and deleted by name. The worker's durables are
 * refused by name (deny), so a notifier can neither read nor remove them.
 */
const CATCH_UP_CONSUMERS = [
  `${JS_API}.CONSUMER.CREATE.${EVENTS_STREAM}.*.${EVENTS_SUBJECT_ROOT}.*.*.>`,
  jsApi.consumer('INFO', '*'),
  jsApi.consumer('MSG.NEXT', '*'),
  jsApi.consumer('DELETE', '*'),
];
const OTHERS_DURABLES = DURABLES.flatMap((name) => [...durableConsumer(name), jsApi.consumer('DELETE', name)]);

/** Media events go to `live.<t>.<s>.<frame|audio>` directly (never stored). */
const MEDIA_SUBJECTS = MEDIA_EVENT_TYPES.map((type) => `${LIVE_SUBJECT_ROOT}.*.*.${type}`);

/** Admin announcements: key revocations and tenant changes. */
const ANNOUNCEMENTS = [apiKeySubjects.anyRevoked(), tenantSubjects.anyChanged()];

/** Nobody reads lifecycle events off `evt.>` directly: an explicit deny on top of every allow list. */
const NEVER_SUBSCRIBED = [under(EVENTS_SUBJECT_ROOT)];

/** The permissions of one role, for the NATS user `user` (by default named like the role). */
export function natsPermissions(role: NatsRole, user: string = role): NatsPermissions {
  const inbox = under(natsInboxPrefix(user));
  const events = under(EVENTS_SUBJECT_ROOT);
  switch (role) {
    case 'gateway':
      return {
        publish: {
          allow: [
            anyCommand(COMMANDS.START),
            anyCommand(COMMANDS.STOP),
            anyCommand(COMMANDS.RELEASE),
            anyCommand(COMMANDS.HALT),
            events,
            ...ANNOUNCEMENTS,
            NOTIFIER_SOCKETS_SUBJECT,
            jsApi.accountInfo,
            jsApi.stream('INFO'),
            jsApi.stream('CREATE'),
          ],
          deny: [],
        },
        subscribe: { allow: [inbox, anyCommand(COMMANDS.HALT), ...ANNOUNCEMENTS], deny: NEVER_SUBSCRIBED },
        allowResponses: false,
      };
    case 'worker':
      return {
        publish: {
          allow: [
            anyCommand(COMMANDS.HALT),
            anyCommand(COMMANDS.CLOSE),
            anyCommand(COMMANDS.SPEAK),
            events,
            ...MEDIA_SUBJECTS,
            // The owner of a vendor session streams speech to the asking worker's inbox (docs/adr/0012).
            inbox,
            jsApi.accountInfo,
            jsApi.stream('INFO'),
            jsApi.stream('CREATE'),
            jsApi.stream('UPDATE'),
            jsApi.stream('DELETE'),
            ...DURABLES.flatMap((name) => [...durableConsumer(name), jsApi.acks(name)]),
          ],
          deny: [],
        },
        subscribe: {
          allow: [inbox, ...Object.values(COMMANDS).map(anyCommand), subjects.anyPresence()],
          deny: NEVER_SUBSCRIBED,
        },
        allowResponses: true,
      };
    case 'notifier':
      return {
        publish: {
          allow: [
            anyCommand(COMMANDS.INTERRUPT),
            anyCommand(COMMANDS.COMMIT_AUDIO),
            anyCommand(COMMANDS.LISTEN),
            events,
            subjects.anyPresence(),
            jsApi.accountInfo,
            jsApi.stream('INFO'),
            jsApi.stream('CREATE'),
            jsApi.stream('MSG.GET'),
            ...CATCH_UP_CONSUMERS,
          ],
          deny: OTHERS_DURABLES,
        },
        subscribe: { allow: [inbox, under(LIVE_SUBJECT_ROOT), NOTIFIER_SOCKETS_SUBJECT], deny: NEVER_SUBSCRIBED },
        // Its answer to the gateway's socket count question.
        allowResponses: true,
      };
    case 'admin':
      return {
        publish: { allow: ANNOUNCEMENTS, deny: [] },
        subscribe: { allow: [], deny: ['>'] },
        allowResponses: false,
      };
  }
}
