import { NATS_ROLES, natsInboxPrefix, NatsPermissions, natsPermissions, NatsRole } from './permissions';
import { COMMANDS, EVENT_HISTORY_CONSUMER, WEBHOOK_EVENT_CONSUMERS, apiKeySubjects, subjects, tenantSubjects } from './subjects';

// The matrix as nats-server reads it: `pattern` covers `subject` (which may itself be a
// wildcard subscription) when every subject `subject` matches, `pattern` matches too.
// test/e2e/nats-permissions.e2e-spec.ts checks the same rules against a real server.
function covers(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || s[i] === '>') return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}

function may(role: NatsRole, action: 'publish' | 'subscribe', subject: string): boolean {
  const rule: NatsPermissions['publish'] = natsPermissions(role)[action];
  // No allow list: everything not denied (nats-server's rule).
  const allowed = rule.allow.length === 0 || rule.allow.some((p) => covers(p, subject));
  return allowed && !rule.deny.some((p) => covers(p, subject) || covers(subject, p));
}

const T = '11111111-1111-4111-8111-111111111111';
const S = '22222222-2222-4222-8222-222222222222';
const cmd = (c: (typeof COMMANDS)[keyof typeof COMMANDS]) => subjects.command(T, S, c);

describe('NATS permission matrix', () => {
  it('the notifier sends only a client\'s commands (interrupt, commit_audio, listen), never a worker\'s', () => {
    for (const c of [COMMANDS.INTERRUPT, COMMANDS.COMMIT_AUDIO, COMMANDS.LISTEN]) expect(may('notifier', 'publish', cmd(c))).toBe(true);
    for (const c of [COMMANDS.START, COMMANDS.STOP, COMMANDS.RELEASE, COMMANDS.HALT, COMMANDS.CLOSE, COMMANDS.SPEAK]) expect(may('notifier', 'publish', cmd(c))).toBe(false);
  });

  it('the gateway requests start and stop and broadcasts release and halt; only the worker answers commands', () => {
    for (const c of [COMMANDS.START, COMMANDS.STOP, COMMANDS.RELEASE, COMMANDS.HALT]) expect(may('gateway', 'publish', cmd(c))).toBe(true);
    for (const c of [COMMANDS.INTERRUPT, COMMANDS.CLOSE, COMMANDS.SPEAK, COMMANDS.COMMIT_AUDIO, COMMANDS.LISTEN]) expect(may('gateway', 'publish', cmd(c))).toBe(false);
    for (const c of Object.values(COMMANDS)) expect(may('worker', 'subscribe', subjects.anyCommand(c))).toBe(true);
    expect(natsPermissions('worker').allowResponses).toBe(true);
    // The notifier answers one question: the gateway's socket count (ops.notifier.sockets).
    expect(NATS_ROLES.filter((r) => natsPermissions(r).allowResponses)).toEqual(['worker', 'notifier']);
  });

  it('nobody but the worker hears commands, except the gateway a session\'s halt (its chat replies stop on it)', () => {
    for (const role of NATS_ROLES.filter((r) => r !== 'worker')) {
      for (const c of Object.values(COMMANDS)) expect([role, c, may(role, 'subscribe', cmd(c))]).toEqual([role, c, role === 'gateway' && c === COMMANDS.HALT]);
    }
  });

  it('nobody subscribes to evt.> or any event subject', () => {
    for (const role of NATS_ROLES) {
      for (const subject of [subjects.allEvents(), subjects.sessionEvents(T, S), subjects.event(T, S, 'session.stopped'), '>', 'evt.*.*.*']) {
        expect([role, subject, may(role, 'subscribe', subject)]).toEqual([role, subject, false]);
      }
    }
  });

  it('each app reads only its own inbox', () => {
    for (const role of NATS_ROLES) {
      for (const other of NATS_ROLES) {
        expect([role, other, may(role, 'subscribe', `${natsInboxPrefix(other)}.abc.1`)]).toEqual([role, other, role === other && role !== 'admin']);
      }
      expect(may(role, 'subscribe', '_INBOX.>')).toBe(false);
    }
  });

  it('the live feed: the worker publishes media, the notifier reads it; the stream re-publishes lifecycle events (no user publishes them on live.>)', () => {
    expect(may('worker', 'publish', subjects.live(T, S, 'frame'))).toBe(true);
    expect(may('worker', 'publish', subjects.live(T, S, 'audio'))).toBe(true);
    for (const role of NATS_ROLES) expect(may(role, 'publish', subjects.live(T, S, 'task.completed'))).toBe(false);
    expect(NATS_ROLES.filter((r) => may(r, 'subscribe', subjects.sessionLive(T, S)))).toEqual(['notifier']);
  });

  it('the admin CLI only announces', () => {
    expect(may('admin', 'publish', apiKeySubjects.revoked(T))).toBe(true);
    expect(may('admin', 'publish', tenantSubjects.changed(T))).toBe(true);
    for (const subject of [cmd(COMMANDS.STOP), subjects.event(T, S, 'status'), '$JS.API.INFO']) expect(may('admin', 'publish', subject)).toBe(false);
    for (const subject of ['>', apiKeySubjects.anyRevoked(), '_INBOX.admin.x']) expect(may('admin', 'subscribe', subject)).toBe(false);
  });

  it("JetStream: only the worker changes the stream and uses its durables; the notifier's catch-up cannot reach them", () => {
    for (const op of ['UPDATE', 'DELETE']) {
      expect(NATS_ROLES.filter((r) => may(r, 'publish', `$JS.API.STREAM.${op}.SESSION_EVENTS`))).toEqual(['worker']);
    }
    for (const durable of [EVENT_HISTORY_CONSUMER, ...WEBHOOK_EVENT_CONSUMERS.map((c) => c.name)]) {
      for (const api of [`CONSUMER.MSG.NEXT.SESSION_EVENTS.${durable}`, `CONSUMER.DELETE.SESSION_EVENTS.${durable}`, `CONSUMER.CREATE.SESSION_EVENTS.${durable}.evt.${T}.${S}.>`]) {
        expect(['notifier', api, may('notifier', 'publish', `$JS.API.${api}`)]).toEqual(['notifier', api, false]);
      }
    }
    expect(may('notifier', 'publish', `$JS.API.CONSUMER.CREATE.SESSION_EVENTS.catch-up-1.evt.${T}.${S}.>`)).toBe(true);
    expect(may('gateway', 'publish', `$JS.API.CONSUMER.CREATE.SESSION_EVENTS.catch-up-1.evt.${T}.${S}.>`)).toBe(false);
    expect(may('gateway', 'publish', '$JS.API.STREAM.MSG.GET.SESSION_EVENTS')).toBe(false);
  });

  it('refuses a user name that would change what its inbox prefix matches', () => {
    expect(() => natsInboxPrefix('a.b')).toThrow();
    expect(() => natsInboxPrefix('*')).toThrow();
    expect(natsInboxPrefix('avatar-gateway_1')).toBe('_INBOX.avatar-gateway_1');
  });
});
