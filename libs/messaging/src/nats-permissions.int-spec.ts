// The events stream and its readers under the platform's NATS permissions, on a
// nats-server of its own with the platform's users (scripts/infra startNats auth: true):
// only the worker may change the stream; the gateway and notifier create it when it is
// missing and otherwise use it as the workers keep it; the notifier's catch-up reader
// works through its named consumers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import * as infra from '../../../scripts/infra';
import { EVENTS_REPUBLISH, EVENTS_STREAM, TenantScopes } from '@avatar/contracts';
import { EventPublisher } from './event-publisher';
import { ensureEventsStream, natsConnectOptions } from './nats-connection';
import { SessionHistory } from './session-history';

jest.setTimeout(30_000);

const scope = { tenantId: TenantScopes.ofRecord('tenant-1'), sessionId: 'session-1' };
let nats: infra.RunningNats;
let dir: string;
const open: NatsConnection[] = [];

/** A connection as an app makes it (its user, its inbox prefix). */
async function as(role: infra.NatsRole): Promise<NatsConnection> {
  const { user, password } = nats.credentials![role];
  const nc = await connect({ ...natsConnectOptions({ url: nats.url, user, password }), maxReconnectAttempts: 0 });
  open.push(nc);
  return nc;
}

async function streamConfig(nc: NatsConnection) {
  return (await (await jetstreamManager(nc)).streams.info(EVENTS_STREAM)).config;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'avatar-nats-perms-'));
  nats = await infra.startNats({ dataDir: dir, port: await infra.freePort(), auth: true });
});
afterAll(async () => {
  await Promise.all(open.map((nc) => nc.close().catch(() => undefined)));
  await nats?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the events stream under the NATS permissions', () => {
  it('a gateway starting first creates the missing stream, with its re-publish to live.>', async () => {
    const gateway = await as('gateway');
    await ensureEventsStream(gateway, 3600);
    expect((await streamConfig(gateway)).republish).toMatchObject(EVENTS_REPUBLISH);
  });

  it('a gateway or notifier uses the stream as the workers keep it (it may not update it); a worker updates it', async () => {
    const worker = await as('worker');
    await ensureEventsStream(worker, 7200);
    for (const role of ['gateway', 'notifier'] as const) {
      await expect(ensureEventsStream(await as(role), 60)).resolves.toBeDefined();
    }
    expect((await streamConfig(worker)).max_age).toBe(7200 * 1e9);
    await ensureEventsStream(worker, 3600);
    expect((await streamConfig(worker)).max_age).toBe(3600 * 1e9);
  });

  it('finding a stream of an earlier release (no re-publish), a gateway waits for a worker to replace it', async () => {
    const worker = await as('worker');
    const jsm = await jetstreamManager(worker);
    await jsm.streams.delete(EVENTS_STREAM);
    await jsm.streams.add({ name: EVENTS_STREAM, subjects: ['evt.>'] });

    const gateway = await as('gateway');
    const waiting = ensureEventsStream(gateway, 3600);
    let settled = false;
    void waiting.finally(() => (settled = true));
    await gateway.flush();
    await gateway.flush();
    expect(settled).toBe(false);
    expect((await streamConfig(worker)).republish).toBeUndefined();

    await ensureEventsStream(worker, 3600);
    await waiting;
    expect((await streamConfig(gateway)).republish).toMatchObject(EVENTS_REPUBLISH);
  });

  it('without a worker, the gateway gives up with a message that says what to do', async () => {
    const worker = await as('worker');
    const jsm = await jetstreamManager(worker);
    await jsm.streams.delete(EVENTS_STREAM);
    await jsm.streams.add({ name: EVENTS_STREAM, subjects: ['evt.>'] });

    await expect(ensureEventsStream(await as('gateway'), 3600, { waitForManagerMs: 600 })).rejects.toThrow(/may not replace it: start a worker/);
    await ensureEventsStream(worker, 3600);
  });

  it("the notifier's catch-up reads one session's stored events through its own named consumer; the gateway may not", async () => {
    const worker = await as('worker');
    await ensureEventsStream(worker, 3600);
    const publisher = new EventPublisher(worker);
    await publisher.publishAll(scope, [
      { type: 'session.started' },
      { type: 'status', status: 'idle', message: 'ready' },
    ]);

    const read: string[] = [];
    await new SessionHistory(await as('notifier')).read(scope, undefined, (batch) => void read.push(...batch.map((e) => e.envelope.event.type)));
    expect(read).toEqual(['session.started', 'status']);
    expect(await new SessionHistory(await as('notifier')).isStopped(scope)).toBe(false);

    await expect(new SessionHistory(await as('gateway')).read(scope, undefined, () => undefined)).rejects.toThrow(/Permissions Violation/);
  });
});
