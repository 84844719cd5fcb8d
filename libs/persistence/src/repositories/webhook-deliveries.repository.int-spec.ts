// The webhook outbox and delivery SQL on a real PostgreSQL (docs/adr/0010): recording
// is idempotent per (endpoint, event key) and scoped to the tenant's subscribed,
// active endpoints; attempts are recorded once; the sweeper finds what has no job;
// the admin list pages by (created_at, id).
import { randomUUID } from 'node:crypto';
import { TenantScope, TenantScopes } from '@avatar/contracts';
import { createTestDatabase, TestDatabase } from '../../../../test/support/infra';
import { createDatabase, Database } from '../persistence.module';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository';
import { WebhookOutboxRepository } from './webhook-outbox.repository';

jest.setTimeout(30_000);

let database: TestDatabase;
let connection: Database;
let outbox: WebhookOutboxRepository;
let endpoints: WebhookEndpointsRepository;
let deliveries: WebhookDeliveriesRepository;

beforeEach(async () => {
  database = await createTestDatabase('webhooks_repo');
  connection = createDatabase(database.url);
  outbox = new WebhookOutboxRepository(connection.sql);
  endpoints = new WebhookEndpointsRepository(connection.sql);
  deliveries = new WebhookDeliveriesRepository(connection.sql);
});

afterEach(async () => {
  await connection.close();
  await database.drop();
});

async function tenant(): Promise<TenantScope> {
  const id = TenantScopes.administered(randomUUID());
  await connection.sql.pool.query(`INSERT INTO tenants (id, name) VALUES ($1::uuid, 'spec')`, [id]);
  return id;
}

async function endpoint(tenantId: TenantScope, events: string[]): Promise<string> {
  const id = randomUUID();
  const row = await endpoints.create(tenantId, { id, url: 'http://127.0.0.1:1/hook', events, keyId: 'k1', sealedSecret: Buffer.from('sealed') }, 20);
  expect(row).toMatchObject({ id, events, disabledAt: null });
  return id;
}

const started = (session: string) => ({ type: 'session.started', key: `session.started:${session}`, payload: { session_id: session } });

describe('webhook deliveries on PostgreSQL', () => {
  it('records one delivery per subscribed active endpoint of the tenant, once however often the event comes', async () => {
    const a = await tenant();
    const b = await tenant();
    const subscribed = await endpoint(a, ['session.started', 'session.stopped']);
    await endpoint(a, ['task.failed']);
    const deleted = await endpoint(a, ['session.started']);
    await endpoints.disable(a, deleted);
    await endpoint(b, ['session.started']);

    const first = await outbox.record(a, started('s1'));
    const again = await outbox.record(a, started('s1'));

    expect(first).toHaveLength(1);
    expect(again).toEqual([]);
    const [row] = await deliveries.list(a, subscribed, { limit: 10 });
    expect(row).toMatchObject({ id: first[0], tenantId: a, endpointId: subscribed, eventType: 'session.started', status: 'pending', attempts: 0, payload: { session_id: 's1' } });
    expect(await deliveries.list(b, subscribed, { limit: 10 })).toEqual([]);
  });

  it('records each attempt once, and only while pending', async () => {
    const a = await tenant();
    await endpoint(a, ['session.started']);
    const [id] = await outbox.record(a, started('s1'));

    expect(await deliveries.recordAttempt(a, id, { delivered: false, httpStatus: 500, error: 'x'.repeat(5000), final: false })).toBe(1);
    const dispatchable = await deliveries.forDispatch(a, id);
    expect(dispatchable).toMatchObject({ status: 'pending', attempts: 1, lastStatus: 500, url: 'http://127.0.0.1:1/hook', keyId: 'k1', endpointDisabledAt: null });
    expect(dispatchable!.lastError).toHaveLength(500);
    expect(dispatchable!.sealedSecret.toString()).toBe('sealed');
    expect(await deliveries.forDispatch(TenantScopes.ofRecord(randomUUID()), id)).toBeNull();

    expect(await deliveries.recordAttempt(a, id, { delivered: true, httpStatus: 204, error: null, final: false })).toBe(2);
    expect(await deliveries.recordAttempt(a, id, { delivered: true, httpStatus: 204, error: null, final: false })).toBeNull();
    expect(await deliveries.forDispatch(a, id)).toBeNull();
    const [row] = await deliveries.list(a, dispatchable!.endpointId, { limit: 1 });
    expect(row).toMatchObject({ status: 'delivered', attempts: 2, lastStatus: 204, lastError: null, deliveredAt: expect.any(Date) });
    expect(await deliveries.reopen(a, row.endpointId, id)).toBeNull();
  });

  it('a failed delivery reopens as pending; another tenant cannot reopen it', async () => {
    const a = await tenant();
    const hook = await endpoint(a, ['session.started']);
    const [id] = await outbox.record(a, started('s1'));
    await deliveries.recordAttempt(a, id, { delivered: false, httpStatus: 503, error: 'HTTP 503', final: true });

    expect(await deliveries.reopen(await tenant(), hook, id)).toBeNull();
    expect(await deliveries.reopen(a, hook, id)).toMatchObject({ status: 'pending', attempts: 1, lastStatus: 503 });
  });

  it('the sweeper finds pending deliveries never attempted for a while, or stalled, across tenants', async () => {
    const a = await tenant();
    const b = await tenant();
    await endpoint(a, ['session.started']);
    await endpoint(b, ['session.started']);
    const [old] = await outbox.record(a, started('old'));
    const [fresh] = await outbox.record(b, started('fresh'));
    const [stalled] = await outbox.record(b, started('stalled'));
    const [backingOff] = await outbox.record(a, started('backing-off'));
    const [done] = await outbox.record(a, started('done'));
    const sql = (text: string, id: string) => connection.sql.pool.query(text, [id]);
    await sql(`UPDATE webhook_deliveries SET created_at = now() - interval '1 minute' WHERE id = $1`, old);
    await sql(`UPDATE webhook_deliveries SET created_at = now() - interval '1 day', attempts = 3, last_attempt_at = now() - interval '3 hours' WHERE id = $1`, stalled);
    await sql(`UPDATE webhook_deliveries SET created_at = now() - interval '1 day', attempts = 3, last_attempt_at = now() - interval '10 minutes' WHERE id = $1`, backingOff);
    await sql(`UPDATE webhook_deliveries SET created_at = now() - interval '1 day', status = 'delivered' WHERE id = $1`, done);

    const found = await deliveries.unqueued(5, 2 * 3600, 100);

    expect(found.map((r) => r.id).sort()).toEqual([old, stalled].sort());
    expect(found.find((r) => r.id === stalled)?.tenantId).toBe(b);
    expect(found.map((r) => r.id)).not.toContain(fresh);
  });

  it('pages newest first by (created_at, id), filtered by status', async () => {
    const a = await tenant();
    const hook = await endpoint(a, ['session.started']);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(...(await outbox.record(a, started(`s${i}`))));
    // Two share a created_at: the id breaks the tie.
    await connection.sql.pool.query(`UPDATE webhook_deliveries SET created_at = '2026-11-21T10:00:00Z' WHERE id = ANY($1::uuid[])`, [ids.slice(1, 3)]);
    await deliveries.recordAttempt(a, ids[4], { delivered: false, httpStatus: 500, error: 'HTTP 500', final: true });

    const seen: string[] = [];
    let after: { createdAt: Date; id: string } | undefined;
    for (;;) {
      const page = await deliveries.list(a, hook, { limit: 2, after });
      seen.push(...page.map((r) => r.id));
      if (page.length < 2) break;
      after = page[page.length - 1];
    }
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
    expect((await deliveries.list(a, hook, { status: 'failed', limit: 10 })).map((r) => r.id)).toEqual([ids[4]]);
  });

  it('caps the active endpoints of a tenant; a deleted one frees its place', async () => {
    const a = await tenant();
    const first = await endpoint(a, ['session.started']);
    await endpoints.create(a, { id: randomUUID(), url: 'http://x/2', events: ['task.failed'], keyId: 'k', sealedSecret: Buffer.from('s') }, 2);
    expect(await endpoints.create(a, { id: randomUUID(), url: 'http://x/3', events: ['task.failed'], keyId: 'k', sealedSecret: Buffer.from('s') }, 2)).toBeNull();
    await endpoints.disable(a, first);
    expect(await endpoints.create(a, { id: randomUUID(), url: 'http://x/3', events: ['task.failed'], keyId: 'k', sealedSecret: Buffer.from('s') }, 2)).not.toBeNull();
    expect(await endpoints.find(await tenant(), first)).toBeNull();
    expect((await endpoints.list(a)).map((e) => e.url).sort()).toEqual(['http://127.0.0.1:1/hook', 'http://x/2', 'http://x/3']);
  });
});
