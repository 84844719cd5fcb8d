// Proves the e2e infrastructure: each server answers, and a per-file database is a
// clone of the migrated template.
import Redis from 'ioredis';
import { Client } from 'pg';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { createTestDatabase, testInfra, uniqueName } from '../support/infra';

async function tableNames(url: string): Promise<string[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      "select table_schema || '.' || table_name as name from information_schema.tables where table_schema not in ('pg_catalog', 'information_schema') order by 1",
    );
    return rows.map((r) => r.name);
  } finally {
    await client.end();
  }
}

describe('test infrastructure', () => {
  it('runs Redis', async () => {
    const redis = new Redis(testInfra().redisUrl, { maxRetriesPerRequest: 1 });
    try {
      await expect(redis.ping()).resolves.toBe('PONG');
    } finally {
      await redis.quit();
    }
  });

  describe('NATS', () => {
    let nc: NatsConnection;
    beforeAll(async () => {
      nc = await connect({ servers: testInfra().natsUrl });
    });
    afterAll(async () => {
      await nc.close();
    });

    it('has JetStream enabled', async () => {
      const jsm = await jetstreamManager(nc);
      const stream = uniqueName('infra');
      await jsm.streams.add({ name: stream, subjects: [`${stream}.>`] });
      const ack = await jetstream(nc).publish(`${stream}.hello`, 'hi');
      expect(ack.stream).toBe(stream);
      expect(ack.seq).toBe(1);
      await jsm.streams.delete(stream);
    });
  });

  describe('PostgreSQL', () => {
    it('clones the migrated template into a fresh database, and drops it', async () => {
      const { postgresUrl, databaseTemplate } = testInfra();
      const started = Date.now();
      const db = await createTestDatabase('infra');
      const cloneMs = Date.now() - started;

      const client = new Client({ connectionString: db.url });
      await client.connect();
      const { rows } = await client.query<{ db: string }>('select current_database() as db');
      await client.end();
      expect(rows[0].db).toBe(db.name);
      const template = postgresUrl.replace(/\/postgres$/, `/${databaseTemplate}`);
      const tables = await tableNames(db.url);
      expect(tables).toContain('public._prisma_migrations'); // the template is migrated
      expect(tables).toEqual(await tableNames(template));
      expect(cloneMs).toBeLessThan(2_000);

      await db.drop();
      const admin = new Client({ connectionString: postgresUrl });
      await admin.connect();
      const left = await admin.query('select 1 from pg_database where datname = $1', [db.name]);
      await admin.end();
      expect(left.rowCount).toBe(0);
    });
  });
});
