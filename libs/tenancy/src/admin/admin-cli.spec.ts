import { createHash, randomBytes } from 'node:crypto';
import { apiKeySubjects } from '@avatar/contracts';
import type { ApiKeyRow, ApiKeysRepository, NewApiKey, TenantAdminRepository, TenantRow, VendorCredentialsRepository, WebhookEndpointsRepository } from '@avatar/persistence';
import { apiKeyRow, tenantRow } from '@avatar/testing';
import { CredentialCipher } from '../credential-cipher';
import { webhookSecretContext } from '../webhook-signature';
import { AdminCliContext, runAdminCli } from './admin-cli';
import type { Announcement } from './announcements';

const TENANT = '10000000-0000-4000-8000-000000000001';
const KEY = '20000000-0000-4000-8000-000000000002';

/** An in-memory database behind the repositories the CLI uses, and what it printed. */
function harness(options: { announcer?: boolean; cipher?: CredentialCipher } = {}) {
  const tenants = new Map<string, TenantRow>();
  const keys = new Map<string, ApiKeyRow>();
  const announced: Announcement[] = [];
  const out: string[] = [];
  const err: string[] = [];
  let opened = 0;
  let closed = 0;
  const ctx: AdminCliContext = {
    tenants: {
      find: jest.fn(async (id: string) => tenants.get(id) ?? null),
      create: jest.fn(async (id: string, data: { name: string }) => {
        const row = tenantRow({ id, name: data.name });
        tenants.set(id, row);
        return row;
      }),
      list: jest.fn(async (q: { status?: string; after?: string; limit: number }) =>
        [...tenants.values()].filter((t) => (!q.status || t.status === q.status) && (!q.after || t.id > q.after)).sort((a, b) => a.id.localeCompare(b.id)).slice(0, q.limit),
      ),
      setStatus: jest.fn(async (id: string, status: 'active' | 'disabled') => {
        const row = tenants.get(id);
        if (!row) return null;
        const updated = { ...row, status, disabledAt: status === 'disabled' ? new Date() : null };
        tenants.set(id, updated);
        return updated;
      }),
    } as unknown as TenantAdminRepository,
    keys: {
      create: jest.fn(async (tenantId: string, key: NewApiKey) => {
        const row = apiKeyRow({ ...key, tenantId });
        keys.set(row.id, row);
        return row;
      }),
      list: jest.fn(async (tenantId: string) => [...keys.values()].filter((k) => k.tenantId === tenantId)),
      revoke: jest.fn(async (tenantId: string, id: string) => {
        const row = keys.get(id);
        if (!row || row.tenantId !== tenantId) return null;
        const revoked = { ...row, revokedAt: row.revokedAt ?? new Date() };
        keys.set(id, revoked);
        return revoked;
      }),
    } as unknown as ApiKeysRepository,
    credentials: { sealedWithOtherKeys: jest.fn(async () => []), replaceSealed: jest.fn() } as unknown as VendorCredentialsRepository,
    webhookEndpoints: { sealedWithOtherKeys: jest.fn(async () => []), replaceSealed: jest.fn(async () => true) } as unknown as WebhookEndpointsRepository,
    cipher: () => options.cipher ?? new CredentialCipher(null),
    announcer: options.announcer ? { announce: async (m) => void announced.push(...m) } : null,
    close: async () => void (closed += 1),
  };
  const run = (...argv: string[]) =>
    runAdminCli(
      argv,
      async () => {
        opened += 1;
        return ctx;
      },
      { out: (l) => out.push(l), err: (l) => err.push(l) },
    );
  return { run, ctx, tenants, keys, announced, out, err, counts: () => ({ opened, closed }) };
}

describe('admin CLI', () => {
  it('tenants create: makes an active tenant, prints its id and what to do next, audits it', async () => {
    const h = harness();

    expect(await h.run('tenants', 'create', '--name', 'acme')).toBe(0);

    const [row] = h.tenants.values();
    expect(row).toMatchObject({ name: 'acme', status: 'active' });
    expect(h.out[0]).toBe(`created tenant ${row.id} (acme)`);
    expect(h.out[1]).toContain(`keys create ${row.id}`);
    expect(h.err).toEqual([`audit actor=admin-cli action=tenant.create tenant=${row.id} name=acme`]);
    expect(h.counts()).toEqual({ opened: 1, closed: 1 });
  });

  it('tenants create --id: uses that id, and refuses one that exists (exit 1)', async () => {
    const h = harness();
    expect(await h.run('tenants', 'create', '--name', 'acme', '--id', TENANT.toUpperCase())).toBe(0);
    expect([...h.tenants.keys()]).toEqual([TENANT]);
    expect(await h.run('tenants', 'create', '--name', 'again', '--id', TENANT)).toBe(1);
    expect(h.err.at(-1)).toContain(`tenant ${TENANT} already exists`);
  });

  it('keys create: stores only the hash and prints the key once, with the scopes asked for', async () => {
    const h = harness();
    h.tenants.set(TENANT, tenantRow({ id: TENANT }));

    expect(await h.run('keys', 'create', TENANT, '--name', 'ci', '--scopes', 'sessions:read, usage:read')).toBe(0);

    const key = /^key: (ak_\S+)$/m.exec(h.out.join('\n'))![1];
    const [row] = h.keys.values();
    expect(row).toMatchObject({ tenantId: TENANT, name: 'ci', scopes: ['sessions:read', 'usage:read'], keyHash: createHash('sha256').update(key).digest('hex') });
    expect(h.out.join('\n').split(key)).toHaveLength(2); // printed exactly once
    expect(h.err.join('\n')).not.toContain(key);
  });

  it('keys create --json: the created key as the admin API answers it', async () => {
    const h = harness();
    h.tenants.set(TENANT, tenantRow({ id: TENANT }));
    expect(await h.run('keys', 'create', TENANT, '--name', 'ci', '--json')).toBe(0);
    expect(JSON.parse(h.out.join('\n'))).toMatchObject({ key: expect.stringMatching(/^ak_/), name: 'ci', scopes: ['sessions:write', 'sessions:read', 'usage:read'] });
  });

  it('keys create for an unknown tenant fails with 1 and creates nothing', async () => {
    const h = harness();
    expect(await h.run('keys', 'create', TENANT, '--name', 'ci')).toBe(1);
    expect(h.err.at(-1)).toBe(`admin: keys create: no tenant ${TENANT}`);
    expect(h.keys.size).toBe(0);
  });

  it('keys list: prefixes and states, never a hash', async () => {
    const h = harness();
    h.tenants.set(TENANT, tenantRow({ id: TENANT }));
    h.keys.set(KEY, apiKeyRow({ id: KEY, tenantId: TENANT, revokedAt: new Date('2025-03-01T00:00:00.000Z') }));
    expect(await h.run('keys', 'list', TENANT)).toBe(0);
    expect(h.out[0]).toContain(`${KEY}  ak_abcdefg…`);
    expect(h.out[0]).toContain('revoked 2025-03-01T00:00:00.000Z');
    expect(h.out.join('\n')).not.toContain(apiKeyRow().keyHash);
  });

  it('keys revoke: revokes, and announces on NATS when it can (else says it could not)', async () => {
    const quiet = harness();
    quiet.keys.set(KEY, apiKeyRow({ id: KEY, tenantId: TENANT }));
    expect(await quiet.run('keys', 'revoke', TENANT, KEY)).toBe(0);
    expect(quiet.keys.get(KEY)!.revokedAt).not.toBeNull();
    expect(quiet.err.join('\n')).toContain('NATS_URL is not set');

    const loud = harness({ announcer: true });
    loud.keys.set(KEY, apiKeyRow({ id: KEY, tenantId: TENANT }));
    expect(await loud.run('keys', 'revoke', TENANT, KEY)).toBe(0);
    expect(loud.announced.map((m) => m.subject)).toEqual([apiKeySubjects.revoked(TENANT)]);
  });

  it("keys revoke of another tenant's key fails with 1", async () => {
    const h = harness();
    h.keys.set(KEY, apiKeyRow({ id: KEY, tenantId: '30000000-0000-4000-8000-000000000003' }));
    expect(await h.run('keys', 'revoke', TENANT, KEY)).toBe(1);
    expect(h.keys.get(KEY)!.revokedAt).toBeNull();
  });

  it('tenants disable: marks it disabled and says that running sessions were not stopped', async () => {
    const h = harness({ announcer: true });
    h.tenants.set(TENANT, tenantRow({ id: TENANT }));
    expect(await h.run('tenants', 'disable', TENANT)).toBe(0);
    expect(h.tenants.get(TENANT)!.status).toBe('disabled');
    expect(h.announced.map((m) => new TextDecoder().decode(m.data))).toEqual(['{"all_keys":true}', '']);
    expect(h.err.join('\n')).toContain('running sessions were not stopped');
    expect(await h.run('tenants', 'enable', TENANT)).toBe(0);
    expect(h.tenants.get(TENANT)!.status).toBe('active');
  });

  it('tenants list: every page, filtered by status', async () => {
    const h = harness();
    for (let i = 0; i < 450; i++) {
      const id = `10000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      h.tenants.set(id, tenantRow({ id, name: `t${i}`, status: i % 3 === 0 ? 'disabled' : 'active' }));
    }
    expect(await h.run('tenants', 'list')).toBe(0);
    expect(h.out).toHaveLength(450);
    h.out.length = 0;
    expect(await h.run('tenants', 'list', '--status', 'disabled', '--json')).toBe(0);
    expect(JSON.parse(h.out.join('\n'))).toHaveLength(150);
  });

  it('credentials reseal: needs CREDENTIALS_KEY (exit 1 without)', async () => {
    expect(await harness().run('credentials', 'reseal')).toBe(1);
    const h = harness({ cipher: new CredentialCipher(randomBytes(32)) });
    expect(await h.run('credentials', 'reseal')).toBe(0);
    expect(h.out[0]).toMatch(/^re-sealed 0 vendor credential\(s\), 0 webhook secret\(s\) with key [0-9a-f]{16}$/);
  });

  it('credentials reseal: re-seals webhook secrets too, and lists (exit 1) one sealed with a key it does not have', async () => {
    const oldKey = randomBytes(32);
    const cipher = new CredentialCipher(randomBytes(32), [oldKey]);
    const stranger = new CredentialCipher(randomBytes(32));
    const [e1, e2] = ['30000000-0000-4000-8000-000000000001', '30000000-0000-4000-8000-000000000002'];
    const rows = [
      { tenantId: TENANT, id: e1, ...new CredentialCipher(oldKey).seal('whsec_one', webhookSecretContext(TENANT, e1)) },
      { tenantId: TENANT, id: e2, ...stranger.seal('whsec_two', webhookSecretContext(TENANT, e2)) },
    ];
    const h = harness({ cipher });
    const webhooks = h.ctx.webhookEndpoints as unknown as { sealedWithOtherKeys: jest.Mock; replaceSealed: jest.Mock };
    webhooks.sealedWithOtherKeys.mockResolvedValueOnce(rows);

    expect(await h.run('credentials', 'reseal')).toBe(1);

    expect(h.out).toEqual([
      `re-sealed 0 vendor credential(s), 1 webhook secret(s) with key ${cipher.currentKeyId}`,
      `cannot open: webhook secret ${TENANT}/${e2} (key ${stranger.currentKeyId})`,
    ]);
    expect(h.err.join('\n')).toContain('webhook_secrets_resealed=1');
    expect(webhooks.replaceSealed).toHaveBeenCalledTimes(1);
    const [tenant, endpoint, expectedKeyId, document] = webhooks.replaceSealed.mock.calls[0];
    expect([tenant, endpoint, expectedKeyId, document.keyId]).toEqual([TENANT, e1, rows[0].keyId, cipher.currentKeyId]);
    expect(cipher.open(document, webhookSecretContext(TENANT, e1)).toString()).toBe('whsec_one');
  });

  it('credentials reseal --json: a report per kind of sealed value', async () => {
    const h = harness({ cipher: new CredentialCipher(randomBytes(32)) });
    expect(await h.run('credentials', 'reseal', '--json')).toBe(0);
    expect(JSON.parse(h.out.join('\n'))).toEqual({
      key_id: expect.stringMatching(/^[0-9a-f]{16}$/),
      vendor_credentials: { resealed: 0, skipped: 0, unopenable: [] },
      webhook_secrets: { resealed: 0, skipped: 0, unopenable: [] },
    });
  });

  it.each([
    [[]],
    [['tenants']],
    [['tenants', 'explode']],
    [['tenants', 'create']],
    [['tenants', 'create', '--name', '   ']],
    [['tenants', 'create', '--name', 'a', '--id', 'not-a-uuid']],
    [['tenants', 'list', '--status', 'sleeping']],
    [['tenants', 'list', '--name', 'x']],
    [['tenants', 'disable']],
    [['tenants', 'disable', TENANT, 'extra']],
    [['keys', 'create', TENANT]],
    [['keys', 'create', TENANT, '--name', 'x', '--scopes', 'admin']],
    [['keys', 'create', TENANT, '--name', 'x', '--scopes', ',']],
    [['keys', 'revoke', TENANT, 'nope']],
    [['keys', 'list', '--bogus']],
  ])('answers usage error 2 without opening the database: %j', async (argv) => {
    const h = harness();
    expect(await h.run(...argv)).toBe(2);
    expect(h.counts().opened).toBe(0);
    expect(h.err.join('\n')).toContain('usage: npm run admin');
  });

  it('--help prints the usage, which says the CLI talks to the database and what disable does not do', async () => {
    const h = harness();
    expect(await h.run('--help')).toBe(0);
    expect(h.out[0]).toContain('Talks to the database directly (DATABASE_URL)');
    expect(h.out[0]).toContain('Running sessions of a tenant disabled here are NOT stopped');
    expect(h.counts().opened).toBe(0);
  });

  it('a failing database is exit 1 with the message, and the context is closed', async () => {
    const h = harness();
    (h.ctx.tenants.list as jest.Mock).mockRejectedValue(new Error('connection refused'));
    expect(await h.run('tenants', 'list')).toBe(1);
    expect(h.err.at(-1)).toBe('admin: tenants list: connection refused');
    expect(h.counts()).toEqual({ opened: 1, closed: 1 });
  });
});
