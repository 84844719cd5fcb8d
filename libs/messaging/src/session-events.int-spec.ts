// The events transport (ADR 0004) on a real nats-server 2.9 of its own (this suite
// deletes and recreates the events stream): the stream upgrade, RePublish to live.*,
// media on core NATS only, and the catch-up reader.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, Msg, NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import * as infra from '../../../scripts/infra';
import { EVENTS_STREAM, SessionEvent, STREAM_SEQUENCE_HEADER, TenantScopes } from '@avatar/contracts';
import { decodeJson } from './json-codec';
import { EventPublisher } from './event-publisher';
import { ensureEventsStream } from './nats-connection';
import { SessionHistory, StoredEvent } from './session-history';

jest.setTimeout(30_000);

const scope = { tenantId: TenantScopes.ofRecord('tenant-1'), sessionId: 'session-1' };
let nats: infra.RunningServer;
let nc: NatsConnection;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'avatar-events-'));
  nats = await infra.startNats({ dataDir: dir, port: await infra.freePort() });
  nc = await connect({ servers: nats.url.replace('nats://', '') });
});
afterAll(async () => {
  await nc?.close();
  await nats?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function storedCount(): Promise<number> {
  return (await (await jetstreamManager(nc)).streams.info(EVENTS_STREAM)).state.messages;
}

function collect(subject: string): Msg[] {
  const got: Msg[] = [];
  nc.subscribe(subject, { callback: (_err, msg) => void got.push(msg) });
  return got;
}

describe('events stream and publisher', () => {
  it('replaces a stream of the previous release (no RePublish) and keeps an up-to-date one as it is', async () => {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: EVENTS_STREAM, subjects: ['evt.>'], retention: RetentionPolicy.Limits, storage: StorageType.File, max_age: 60e9 });
    await jetstream(nc).publish('evt.tenant-1.session-0.status', '{}');

    await ensureEventsStream(nc, 3600);
    const replaced = await jsm.streams.info(EVENTS_STREAM);
    expect(replaced.config.republish).toEqual(expect.objectContaining({ src: 'evt.>', dest: 'live.>' }));
    expect(replaced.config.max_age).toBe(3600e9);
    expect(replaced.state.messages).toBe(0);

    await jetstream(nc).publish('evt.tenant-1.session-0.status', '{}');
    await ensureEventsStream(nc, 7200);
    const updated = await jsm.streams.info(EVENTS_STREAM);
    expect(updated.config.max_age).toBe(7200e9);
    expect(updated.state.messages).toBe(1);
  });

  it('stores lifecycle events in order and the stream re-publishes each to live.* with its sequence; media only go live', async () => {
    const publisher = new EventPublisher(nc);
    const live = collect('live.tenant-1.session-1.>');
    await nc.flush();
    const before = await storedCount();

    const events: SessionEvent[] = Array.from({ length: 50 }, (_, i) => ({ type: 'status', status: 'speaking', message: `m${i}` }));
    const seqs = await publisher.publishAll(scope, events);
    publisher.publishMedia(scope, { type: 'frame', task_id: 't', frame_id: 1, timestamp: 0, viseme: 'X', data: '', mime_type: 'image/png' });
    await nc.flush();

    expect(seqs).toEqual(seqs.map((_, i) => seqs[0] + i));
    expect(await storedCount()).toBe(before + 50);
    expect(live.map((m) => m.subject)).toEqual([...Array(50).fill('live.tenant-1.session-1.status'), 'live.tenant-1.session-1.frame']);
    expect(live.slice(0, 50).map((m) => Number(m.headers?.get(STREAM_SEQUENCE_HEADER)))).toEqual(seqs);
    expect(live.slice(0, 50).map((m) => decodeJson<{ event: { message: string } }>(m.data).event.message)).toEqual(events.map((e) => (e as { message: string }).message));
    expect(live[50].headers).toBeUndefined();

    await expect(publisher.publish(scope, { type: 'frame', task_id: 't', frame_id: 2, timestamp: 0, viseme: 'X', data: '', mime_type: 'image/png' })).rejects.toThrow(/media event/);
  });

  it("sends a task's last frames before its terminal event, which waits for I/O first (the database ending the task)", async () => {
    const publisher = new EventPublisher(nc);
    const live = collect('live.tenant-1.session-1.>');
    await nc.flush();

    const frame = (frame_id: number) => ({ type: 'frame' as const, task_id: 'task-order', frame_id, timestamp: 0, viseme: 'X', data: '', mime_type: 'image/png' });
    for (let i = 1; i <= 3; i++) publisher.publishMedia(scope, frame(i));
    await nc.flush(); // stands for the ending statement's round trip
    await publisher.publish(scope, { type: 'task.interrupted', task_id: 'task-order' });
    await nc.flush();

    expect(live.map((m) => decodeJson<{ event: { type: string } }>(m.data).event.type)).toEqual(['frame', 'frame', 'frame', 'task.interrupted']);
  });

  it("stores a task's terminal event once, however often it is announced (its message id is the task's)", async () => {
    const publisher = new EventPublisher(nc);
    const live = collect('live.tenant-1.session-1.task.>');
    await nc.flush();
    const before = await storedCount();

    const first = await publisher.publish(scope, { type: 'task.interrupted', task_id: 'task-9' });
    const again = await publisher.publish(scope, { type: 'task.interrupted', task_id: 'task-9' }); // the reconciler, after a crash
    const other = await publisher.publish(scope, { type: 'task.completed', task_id: 'task-10', duration: 1 });
    await nc.flush();

    expect(again).toBe(first);
    expect(await storedCount()).toBe(before + 2);
    expect(live.map((m) => decodeJson<{ event: { task_id: string } }>(m.data).event.task_id)).toEqual(['task-9', 'task-10']);
    expect(other).toBeGreaterThan(first);
  });

  it('reads a session history after an id, in batches, and tells a stopped session', async () => {
    const publisher = new EventPublisher(nc);
    const other = { tenantId: TenantScopes.ofRecord('tenant-1'), sessionId: 'session-2' };
    const seqs = await publisher.publishAll(other, Array.from({ length: 300 }, (_, i) => ({ type: 'status', status: 'idle', message: String(i) }) as SessionEvent));
    await publisher.publish(scope, { type: 'status', status: 'idle', message: 'not this session' });
    const history = new SessionHistory(nc);

    const all: StoredEvent[] = [];
    await history.read(other, undefined, (batch) => void all.push(...batch));
    expect(all.map((e) => e.seq)).toEqual(seqs);
    const after: StoredEvent[] = [];
    await history.read(other, seqs[249], (batch) => void after.push(...batch));
    expect(after.map((e) => e.seq)).toEqual(seqs.slice(250));
    const none: StoredEvent[] = [];
    await history.read(other, seqs.at(-1), (batch) => void none.push(...batch));
    expect(none).toEqual([]);

    expect(await history.isStopped(other)).toBe(false);
    await publisher.publish(other, { type: 'session.stopped', duration: 1, reason: 'client' });
    expect(await history.isStopped(other)).toBe(true);
    expect(await history.isStopped(scope)).toBe(false);
    // No catch-up consumer outlives its read.
    const consumers: string[] = [];
    for await (const c of (await jetstreamManager(nc)).consumers.list(EVENTS_STREAM)) consumers.push(c.name);
    expect(consumers).toEqual([]);
  });
});
