// API key authentication and last_used_at on a real PostgreSQL (a fresh database,
// cloned from the migrated template, per test file; every test makes its own tenant).
// Times are set up on the database's own clock (`now() ± interval`).
import { randomUUID } from 'node:crypto';
import { createTestDatabase, TestDatabase } from '../../../../test/support/infra';
import { createDatabase, Database } from '../persistence.module';
import type { Db } from './prisma-client.token';
import { TenantsRepository } from './tenants.repository';

jest.setTimeout(30_000);

let database: TestDatabase;
let connection: Database;
let db: Db;
let repo: TenantsRepository;

beforeAll(async () => {
  database = await createTestDatabase('tenants_repo');
  connection = createDatabase(database.url);
  db = connection.prisma;
  repo = new TenantsRepository(db, connection.sql);
});

afterAll(async () => {
  await connection.close();
  await database.drop();
});

async function tenant(status: 'active' | 'disabled' = 'active'): Promise<string> {
  const id = randomUUID();
  await db.$executeRawUnsafe(`INSERT INTO tenants (id, name, status) VALUES ($1::uuid, 'spec', $2::tenant_status)`, id, status);
  return id;
}

interface KeySetup {
  scopes?: string[];
  revoked?: boolean;
  /** Seconds from now until the key expires (negative: expired); absent: never. */
  expiresIn?: number;
}

/** A key of the tenant; answers its id and hash. */
async function key(tenantId: string, setup: KeySetup = {}): Promise<{ id: string; hash: string }> {
  const [id, hash] = [randomUUID(), `hash-${randomUUID()}`];
  await db.$executeRawUnsafe(
    `INSERT INTO api_keys (id, tenant_id, name, key_hash, key_prefix, scopes, revoked_at, expires_at)
     VALUES ($1::uuid, $2::uuid, 'spec', $3, 'ak_spec', $4::text[],
             CASE WHEN $5::boolean THEN now() END, now() + make_interval(secs => $6::float8))`,
    id,
    tenantId,
    hash,
    setup.scopes ?? ['sessions:write', 'sessions:read', 'usage:read'],
    setup.revoked ?? false,
    setup.expiresIn ?? null,
  );
  return { id, hash };
}

/** last_used_at as the database has it (text, to the millisecond), or null. */
async function lastUsed(keyId: string): Promise<string | null> {
  const [row] = await db.$queryRawUnsafe<Array<{ at: string | null }>>(`SELECT last_used_at::text AS at FROM api_keys WHERE id = $1::uuid`, keyId);
  return row.at;
}

describe('authenticate', () => {
  it('answers the key id, tenant and scopes of a live key', async () => {
    const t = await tenant();
    const k = await key(t, { scopes: ['sessions:read', 'usage:read'] });

    await expect(repo.authenticate(k.hash)).resolves.toEqual({ keyId: k.id, tenantId: t, scopes: ['sessions:read', 'usage:read'], expiresAt: null });
  });

  it('answers null for a revoked key', async () => {
    const k = await key(await tenant(), { revoked: true });

    await expect(repo.authenticate(k.hash)).resolves.toBeNull();
  });

  it('answers null for a key whose expires_at has passed (a rotated key after its grace)', async () => {
    const k = await key(await tenant(), { expiresIn: -1 });

    await expect(repo.authenticate(k.hash)).resolves.toBeNull();
  });

  it('still answers a rotated key during its grace, with its expiry', async () => {
    const t = await tenant();
    const k = await key(t, { expiresIn: 300 });

    const identity = await repo.authenticate(k.hash);

    expect(identity).toMatchObject({ keyId: k.id, tenantId: t });
    const [{ expires_at }] = await db.$queryRawUnsafe<Array<{ expires_at: Date }>>(`SELECT expires_at FROM api_keys WHERE id = $1::uuid`, k.id);
    expect(identity?.expiresAt).toEqual(expires_at);
  });

  it('answers null for a hash no key has', async () => {
    await key(await tenant());

    await expect(repo.authenticate(`hash-${randomUUID()}`)).resolves.toBeNull();
  });

  it("answers null for every key of a disabled tenant, and still answers another tenant's", async () => {
    const disabled = await key(await tenant('disabled'));
    const active = await key(await tenant());

    await expect(repo.authenticate(disabled.hash)).resolves.toBeNull();
    await expect(repo.authenticate(active.hash)).resolves.not.toBeNull();
  });
});

describe('touchKey', () => {
  it('writes last_used_at once, not again within a minute, and again after one', async () => {
    const t = await tenant();
    const k = await key(t);
    const other = await key(t);
    expect(await lastUsed(k.id)).toBeNull();

    await repo.touchKey(k.id);
    const first = await lastUsed(k.id);
    expect(first).not.toBeNull();

    await repo.touchKey(k.id);
    expect(await lastUsed(k.id)).toBe(first);

    // 59 s ago: still within the minute, not written.
    await db.$executeRawUnsafe(`UPDATE api_keys SET last_used_at = now() - interval '59 seconds' WHERE id = $1::uuid`, k.id);
    const recent = await lastUsed(k.id);
    await repo.touchKey(k.id);
    expect(await lastUsed(k.id)).toBe(recent);

    // 61 s ago: written again, with the database's now.
    await db.$executeRawUnsafe(`UPDATE api_keys SET last_used_at = now() - interval '61 seconds' WHERE id = $1::uuid`, k.id);
    await repo.touchKey(k.id);
    const [{ fresh }] = await db.$queryRawUnsafe<Array<{ fresh: boolean }>>(
      `SELECT last_used_at > now() - interval '30 seconds' AS fresh FROM api_keys WHERE id = $1::uuid`,
      k.id,
    );
    expect(fresh).toBe(true);

    // Only the key named.
    expect(await lastUsed(other.id)).toBeNull();
  });
});
