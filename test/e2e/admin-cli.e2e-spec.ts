import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { TenantScopes } from '../../libs/contracts/src';
import { VendorCredentialsRepository } from '../../libs/persistence/src';
import { CredentialCipher, credentialKeyId, hashApiKey, VendorCredentialsReader, webhookSecretContext } from '../../libs/tenancy/src';
import { natsEnvOf } from '../../scripts/infra';
import { apiClient } from '../support/clients';
import { Platform, startPlatform, TEST_ADMIN_TOKEN, TEST_CREDENTIALS_KEY } from '../support/platform';

const ROOT = path.resolve(__dirname, '../..');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `node scripts/admin.js …` as an operator runs it (npm run admin -- …), with only the environment given. */
function admin(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'scripts/admin.js'), ...args], { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** The --json output of a run that must succeed (its stderr in the failure message otherwise). */
function parsed(run: Run): any {
  if (run.code !== 0) throw new Error(`admin exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

describe('admin CLI (npm run admin), on the database directly', () => {
  let platform: Platform;
  let db: NodeJS.ProcessEnv;

  beforeAll(async () => {
    platform = await startPlatform();
    db = { DATABASE_URL: platform.database.url };
  });
  afterAll(() => platform?.stop());

  it('bootstraps a tenant and a key that a running gateway accepts', async () => {
    const created = await admin(['tenants', 'create', '--name', 'acme'], db);
    expect(created).toMatchObject({ code: 0 });
    const tenantId = /created tenant ([0-9a-f-]{36}) \(acme\)/.exec(created.stdout)![1];
    expect(created.stderr).toContain(`audit actor=admin-cli action=tenant.create tenant=${tenantId} name=acme`);
    expect(await platform.db.tenant.findUniqueOrThrow({ where: { id: tenantId } })).toMatchObject({ name: 'acme', status: 'active' });

    const key = await admin(['keys', 'create', tenantId, '--name', 'backend'], db);
    expect(key.code).toBe(0);
    const secret = /^key: (ak_\S+)$/m.exec(key.stdout)![1];
    expect(key.stderr).not.toContain(secret);

    const api = apiClient(platform.apiUrl, secret);
    const session = await api.post('/v1/streaming.new', { quality: 'low' });
    expect(session.status).toBe(200);
    expect((await platform.db.session.findUniqueOrThrow({ where: { id: session.body.session_id } })).tenantId).toBe(tenantId);

    const listed = await admin(['tenants', 'list'], db);
    expect(listed.stdout).toMatch(new RegExp(`${tenantId}\\s+active\\s+\\S+\\s+acme`));
    expect((await admin(['tenants', 'list', '--status', 'disabled'], db)).stdout).not.toContain(tenantId);

    const keys = await admin(['keys', 'list', tenantId], db);
    expect(keys.stdout).toContain(secret.slice(0, 10));
    expect(keys.stdout).not.toContain(secret);
    expect(keys.stdout).not.toContain(hashApiKey(secret));
  });

  it('creates a key with the scopes asked for, as JSON', async () => {
    const tenantId = parsed(await admin(['tenants', 'create', '--name', 'json co', '--json'], db)).id as string;
    const run = await admin(['keys', 'create', tenantId, '--name', 'reader', '--scopes', 'sessions:read', '--json'], db);
    const created = parsed(run);

    expect(created).toMatchObject({ key: expect.stringMatching(/^ak_/), name: 'reader', scopes: ['sessions:read'] });
    const api = apiClient(platform.apiUrl, created.key);
    expect((await api.get('/v1/streaming.sessions')).status).toBe(200);
    expect((await api.post('/v1/streaming.new', {})).status).toBe(403);
  });

  it('revokes a key and disables a tenant at once on the gateways when NATS_URL is set', async () => {
    const withNats = { ...db, NATS_URL: platform.env.NATS_URL, ...natsEnvOf(platform.infra.nats.credentials, 'admin') };
    const tenantId = parsed(await admin(['tenants', 'create', '--name', 'short-lived', '--json'], db)).id as string;
    const first = parsed(await admin(['keys', 'create', tenantId, '--name', 'one', '--json'], db));
    const second = parsed(await admin(['keys', 'create', tenantId, '--name', 'two', '--json'], db));
    const one = apiClient(platform.apiUrl, first.key);
    const two = apiClient(platform.apiUrl, second.key);
    expect((await one.get('/v1/streaming.sessions')).status).toBe(200); // cached by the gateway
    expect((await two.get('/v1/streaming.sessions')).status).toBe(200);

    const revoked = await admin(['keys', 'revoke', tenantId, first.id], withNats);
    expect(revoked.code).toBe(0);
    expect(revoked.stderr).toContain('announced on NATS');
    expect((await one.get('/v1/streaming.sessions')).status).toBe(401);
    expect((await two.get('/v1/streaming.sessions')).status).toBe(200);

    const disabled = await admin(['tenants', 'disable', tenantId], withNats);
    expect(disabled.code).toBe(0);
    expect(disabled.stderr).toContain('running sessions were not stopped');
    expect((await two.get('/v1/streaming.sessions')).status).toBe(401);
    expect((await platform.db.tenant.findUniqueOrThrow({ where: { id: tenantId } })).status).toBe('disabled');
  });

  it('says what it did not do without NATS_URL', async () => {
    const tenantId = parsed(await admin(['tenants', 'create', '--name', 'quiet', '--json'], db)).id as string;
    const key = parsed(await admin(['keys', 'create', tenantId, '--name', 'k', '--json'], db));
    const revoked = await admin(['keys', 'revoke', tenantId, key.id], db);
    expect(revoked.code).toBe(0);
    expect(revoked.stderr).toContain('NATS_URL is not set');
    expect((await platform.db.apiKey.findUniqueOrThrow({ where: { id: key.id } })).revokedAt).not.toBeNull();
    // Never looked up by a gateway, so never cached: refused at once anyway.
    expect((await apiClient(platform.apiUrl, key.key).get('/v1/streaming.sessions')).status).toBe(401);
  });

  it('re-seals vendor credentials and webhook secrets sealed with an old key under the new CREDENTIALS_KEY', async () => {
    const tenantId = parsed(await admin(['tenants', 'create', '--name', 'vendors', '--json'], db)).id as string;
    const put = await fetch(`${platform.apiUrl}/admin/v1/tenants/${tenantId}/credentials/heygen`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ api_key: 'vendor-secret' }),
    });
    expect(put.status).toBe(200);
    const hook = await fetch(`${platform.apiUrl}/admin/v1/tenants/${tenantId}/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'http://127.0.0.1:9/hooks', events: ['session.started'] }),
    });
    expect(hook.status).toBe(201);
    const endpoint = (await hook.json()) as { id: string; secret: string };
    const oldKeyId = credentialKeyId(Buffer.from(TEST_CREDENTIALS_KEY, 'base64'));
    expect((await platform.db.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } })).keyId).toBe(oldKeyId);
    const newKey = randomBytes(32).toString('base64');

    const withoutOld = await admin(['credentials', 'reseal'], { ...db, CREDENTIALS_KEY: newKey });
    expect(withoutOld.code).toBe(1);
    expect(withoutOld.stdout).toContain(`cannot open: vendor credentials ${tenantId}/heygen (key ${oldKeyId})`);
    expect(withoutOld.stdout).toContain(`cannot open: webhook secret ${tenantId}/${endpoint.id} (key ${oldKeyId})`);

    const resealed = await admin(['credentials', 'reseal'], { ...db, CREDENTIALS_KEY: newKey, CREDENTIALS_OLD_KEYS: TEST_CREDENTIALS_KEY });
    expect(resealed.code).toBe(0);
    expect(resealed.stdout).toMatch(/re-sealed [1-9]\d* vendor credential\(s\), [1-9]\d* webhook secret\(s\)/);
    const row = await platform.db.vendorCredential.findUniqueOrThrow({ where: { tenantId_provider: { tenantId, provider: 'heygen' } } });
    expect(row.keyId).toBe(credentialKeyId(Buffer.from(newKey, 'base64')));
    const reader = new VendorCredentialsReader(new VendorCredentialsRepository(platform.db), CredentialCipher.fromConfig({ CREDENTIALS_KEY: newKey }));
    expect(await reader.credentialsFor(TenantScopes.administered(tenantId), 'heygen')).toEqual({ api_key: 'vendor-secret' });
    // The workers sign with the secret the endpoint was given, opened with the new key alone.
    const hookRow = await platform.db.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } });
    expect(hookRow.keyId).toBe(credentialKeyId(Buffer.from(newKey, 'base64')));
    const newOnly = CredentialCipher.fromConfig({ CREDENTIALS_KEY: newKey });
    expect(newOnly.open({ keyId: hookRow.keyId, sealed: hookRow.sealedSecret }, webhookSecretContext(tenantId, endpoint.id)).toString('utf8')).toBe(endpoint.secret);

    const again = await admin(['credentials', 'reseal', '--json'], { ...db, CREDENTIALS_KEY: newKey, CREDENTIALS_OLD_KEYS: TEST_CREDENTIALS_KEY });
    expect(parsed(again)).toMatchObject({
      vendor_credentials: { resealed: 0, unopenable: [] },
      webhook_secrets: { resealed: 0, unopenable: [] },
    });
  });

  it('answers usage errors with 2 and failures with 1', async () => {
    expect(await admin(['--help'], {})).toMatchObject({ code: 0, stdout: expect.stringContaining('tenants create --name <name>') });
    const none = await admin([], {});
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('usage: npm run admin');
    expect((await admin(['tenants', 'create'], db)).code).toBe(2);
    expect((await admin(['tenants', 'explode'], db)).code).toBe(2);
    expect((await admin(['keys', 'create', 'not-a-uuid', '--name', 'x'], db)).code).toBe(2);
    expect((await admin(['keys', 'create', '00000000-0000-4000-8000-00000000beef', '--name', 'x', '--scopes', 'root'], db)).code).toBe(2);
    expect((await admin(['tenants', 'list', '--bogus'], db)).code).toBe(2);

    const unknown = await admin(['keys', 'create', '00000000-0000-4000-8000-00000000beef', '--name', 'x'], db);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no tenant 00000000-0000-4000-8000-00000000beef');
    const noDatabase = await admin(['tenants', 'list'], {});
    expect(noDatabase.code).toBe(1);
    expect(noDatabase.stderr).toContain('DATABASE_URL');
  });
});
