import fs from 'node:fs';
import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { COMMANDS, EVENT_HISTORY_CONSUMER, EVENTS_STREAM, NATS_ROLES, NatsRole, subjects } from '../../libs/contracts/src';
import { apiClient, ApiClient, openSocket, sessionSocketUrl, startedSession } from '../support/clients';
import { Platform, startPlatform } from '../support/platform';

// The platform's NATS users and permissions (libs/contracts/src/messaging/permissions.ts)
// on a real nats-server, with the credentials the test platform generated: every e2e
// suite runs its apps with them; this one checks what they refuse.

const encoder = new TextEncoder();

describe('NATS: per-app users and permissions', () => {
  let platform: Platform;
  let api: ApiClient;
  const open: NatsConnection[] = [];

  /** A connection as one of the platform's users (its own inbox prefix, as the apps have). */
  async function as(role: NatsRole): Promise<NatsConnection> {
    const nc = await connect({ ...platform.infra.nats.clientOptions(role), name: `probe-${role}`, maxReconnectAttempts: 0 });
    open.push(nc);
    return nc;
  }

  /**
   * Whether the server refused the subscription: it answers a SUB it refuses with an
   * -ERR before the PONG of the flush that follows, and nats.js closes the subscription.
   */
  async function refusedSubscription(nc: NatsConnection, subject: string): Promise<boolean> {
    const sub: Subscription = nc.subscribe(subject);
    const ended = (async () => {
      try {
        for await (const _ of sub) void _;
        return 'closed';
      } catch (err) {
        return (err as Error).message;
      }
    })();
    await nc.flush();
    const refused = sub.isClosed();
    if (refused) expect(await ended).toMatch(/Permissions Violation for Subscription/);
    else sub.unsubscribe();
    return refused;
  }

  /** A request the server refuses to let out: nats.js rejects it with the server's permission error. */
  async function refusedRequest(nc: NatsConnection, subject: string, body: unknown = {}): Promise<string | null> {
    return nc.request(subject, encoder.encode(JSON.stringify(body)), { timeout: 5_000 }).then(
      () => null,
      (err: Error) => err.message,
    );
  }

  /** A publish the server refuses: reported on the connection's status stream (a publish has no answer). */
  async function refusedPublish(nc: NatsConnection, subject: string, body: unknown = {}): Promise<string> {
    const statuses = nc.status();
    const firstError = (async () => {
      for await (const status of statuses) if (status.type === 'error') return String(status.error);
      return '';
    })();
    nc.publish(subject, encoder.encode(JSON.stringify(body)));
    return firstError;
  }

  beforeAll(async () => {
    platform = await startPlatform();
    api = apiClient(platform.apiUrl, platform.tenants.a.apiKey);
  });
  afterAll(async () => {
    await Promise.all(open.map((nc) => nc.close().catch(() => undefined)));
    await platform?.stop();
  });

  it('runs end to end with every app logged in as its own user: a speak reaches the socket, and the server refused nothing of theirs', async () => {
    const { sessionId, token } = await startedSession(api);
    const socket = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));
    const taskId = (await api.post('/v1/avatar.speak', { session_id: sessionId, text: 'Hello through a locked down NATS.' })).body.task_id;
    await socket.waitFor((e) => e.type === 'frame' && e.task_id === taskId);
    await socket.waitFor((e) => e.type === 'task.completed' && e.task_id === taskId);
    // The catch-up consumer (notifier) works too: a second socket gets the stored history.
    const late = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));
    await late.waitFor((e) => e.type === 'task.completed' && e.task_id === taskId);
    await Promise.all([socket.close(), late.close()]);
    expect((await api.post('/v1/streaming.stop', { session_id: sessionId })).status).toBe(200);

    // Each app is connected under its own user.
    const connz = (await (await fetch(`${platform.infra.nats.monitorUrl}/connz?auth=1`)).json()) as { connections: Array<{ name?: string; authorized_user?: string }> };
    const users = Object.fromEntries(connz.connections.filter((c) => c.name && ['gateway', 'worker', 'notifier'].includes(c.name)).map((c) => [c.name, c.authorized_user]));
    expect(users).toEqual({ gateway: 'gateway', worker: 'worker', notifier: 'notifier' });
    // The gateway's metrics as JSON ask every notifier over NATS (ops.notifier.sockets): in the check below too.
    await fetch(`${platform.apiUrl}/metrics`, { headers: { accept: 'application/json' } }).then((r) => r.arrayBuffer());
    // Nothing the apps did was refused (this test's probes come after).
    expect(fs.readFileSync(platform.infra.nats.logFile, 'utf8')).not.toMatch(/Violation/);
    for (const app of platform.apps) expect(app.output()).not.toMatch(/Permissions? Violation|Authorization Violation/i);
  });

  it('refuses a client without credentials, or with another user\'s password', async () => {
    const anonymous = await connect({ servers: platform.infra.nats.clientOptions().servers, maxReconnectAttempts: 0 }).then(
      () => 'connected',
      (err: Error) => err.message,
    );
    expect(anonymous).toMatch(/Authorization Violation/);
    const { credentials } = platform.infra.nats;
    const wrong = await connect({ servers: platform.infra.nats.clientOptions().servers, user: 'worker', pass: credentials!.notifier.password, maxReconnectAttempts: 0 }).then(
      () => 'connected',
      (err: Error) => err.message,
    );
    expect(wrong).toMatch(/Authorization Violation/);
  });

  it("as the notifier: a client's commands go through, a worker's command is refused", async () => {
    const { sessionId } = await startedSession(api);
    const notifier = await as('notifier');
    const tenant = platform.tenants.a.id;

    // Allowed (the notifier relays a client's interrupt): the worker answers.
    const interrupted = await notifier.request(subjects.command(tenant, sessionId, COMMANDS.INTERRUPT), encoder.encode(JSON.stringify({ reason: 'client' })), { timeout: 10_000 });
    expect(JSON.parse(new TextDecoder().decode(interrupted.data))).toEqual({ interrupted_task_ids: [] });

    // A worker's command: refused by the server before any worker sees it.
    const worker = await as('worker');
    const seen: string[] = [];
    worker.subscribe(subjects.anyCommand(COMMANDS.STOP), { callback: (_err, msg) => void seen.push(msg.subject) });
    await worker.flush();
    for (const command of [COMMANDS.START, COMMANDS.STOP, COMMANDS.RELEASE, COMMANDS.HALT, COMMANDS.CLOSE, COMMANDS.SPEAK]) {
      expect(await refusedRequest(notifier, subjects.command(tenant, sessionId, command), { reason: 'client_stop' })).toMatch(/Permissions Violation for Publish/);
    }
    // A fire-and-forget publish is refused the same way (reported on the connection's status).
    expect(await refusedPublish(notifier, subjects.command(tenant, sessionId, COMMANDS.STOP), { reason: 'client_stop' })).toMatch(/Permissions Violation for Publish to "cmd\..*\.stop"/);
    await worker.flush();
    expect(seen).toEqual([]);
    expect((await platform.db.session.findUniqueOrThrow({ where: { id: sessionId } })).status).toBe('active');
  });

  it("as the notifier: cannot read another app's subjects or the worker's JetStream consumers", async () => {
    const notifier = await as('notifier');
    // Its own: the live feed and its inbox.
    expect(await refusedSubscription(notifier, subjects.allLive())).toBe(false);
    expect(await refusedSubscription(notifier, '_INBOX.notifier.x')).toBe(false);
    // Others': commands, the gateway's and the worker's replies, key revocations, presence.
    for (const subject of [subjects.anyCommand(COMMANDS.START), 'cmd.>', '_INBOX.gateway.>', '_INBOX.worker.>', '_INBOX.>', 'auth.*.apikey.revoked', 'presence.*.*', '$JS.API.>', '>']) {
      expect([subject, await refusedSubscription(notifier, subject)]).toEqual([subject, true]);
    }
    // JetStream: the worker's durable (pulling from it would steal the history's events), the stream's config.
    for (const api of [`CONSUMER.MSG.NEXT.${EVENTS_STREAM}.${EVENT_HISTORY_CONSUMER}`, `CONSUMER.DELETE.${EVENTS_STREAM}.${EVENT_HISTORY_CONSUMER}`, `STREAM.UPDATE.${EVENTS_STREAM}`, `STREAM.DELETE.${EVENTS_STREAM}`, 'STREAM.LIST']) {
      expect([api, await refusedRequest(notifier, `$JS.API.${api}`)]).toEqual([api, expect.stringMatching(/Permissions Violation for Publish/)]);
    }
  });

  it('nobody subscribes to evt.>: not one of the platform users', async () => {
    for (const role of NATS_ROLES) {
      const nc = await as(role);
      for (const subject of [subjects.allEvents(), `evt.${platform.tenants.a.id}.*.>`, 'evt.*.*.session.stopped']) {
        expect([role, subject, await refusedSubscription(nc, subject)]).toEqual([role, subject, true]);
      }
    }
  });

  it('the admin CLI\'s user may only announce; the gateway hears a session\'s halt but not other commands', async () => {
    const admin = await as('admin');
    const gateway = await as('gateway');
    const changed: string[] = [];
    gateway.subscribe('tenant.*.changed', { callback: (_err, msg) => void changed.push(msg.subject) });
    await gateway.flush();
    admin.publish(`tenant.${platform.tenants.b.id}.changed`);
    await admin.flush();
    await gateway.flush();
    expect(changed).toEqual([`tenant.${platform.tenants.b.id}.changed`]);
    expect(await refusedSubscription(admin, 'tenant.*.changed')).toBe(true);
    expect(await refusedPublish(admin, subjects.command(platform.tenants.a.id, 's1', COMMANDS.STOP))).toMatch(/Permissions Violation for Publish/);
    expect(await refusedSubscription(gateway, subjects.command(platform.tenants.a.id, 's1', COMMANDS.HALT))).toBe(false);
    expect(await refusedSubscription(gateway, subjects.anyCommand(COMMANDS.START))).toBe(true);
  });
});
