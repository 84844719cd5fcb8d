import { createHash } from 'node:crypto';
import * as infra from '../../scripts/infra';
import { TenantScopes } from '../../libs/contracts/src';
import { VendorCredentialsRepository } from '../../libs/persistence/src';
import { CredentialCipher, VendorCredentialsReader } from '../../libs/tenancy/src';
import { apiClient, openSocket, sessionSocketUrl, startedSession } from '../support/clients';
import { AppProcess, Platform, startPlatform, TEST_ADMIN_TOKEN, TEST_CREDENTIALS_KEY } from '../support/platform';

interface Answer {
  status: number;
  text: string;
  body: any;
}

/** Every method the admin API uses, with the admin token unless told otherwise. */
function client(baseUrl: string, token: string | null = TEST_ADMIN_TOKEN) {
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> => {
    const response = await fetch(baseUrl + path, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, text, body: text ? JSON.parse(text) : undefined };
  };
  return {
    get: (path: string) => call('GET', path),
    post: (path: string, body?: unknown, headers?: Record<string, string>) => call('POST', path, body, headers),
    patch: (path: string, body: unknown) => call('PATCH', path, body),
    put: (path: string, body: unknown) => call('PUT', path, body),
    delete: (path: string) => call('DELETE', path),
  };
}

function expectEnvelope(answer: { status: number; body: any }, status: number, code: string): void {
  expect({ status: answer.status, body: answer.body }).toEqual({ status, body: { error: { code, message: expect.any(String), details: expect.any(Object) } } });
}

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const UNKNOWN = '00000000-0000-4000-8000-00000000beef';
const SECRET = 'sk_live_DO_NOT_LEAK_4f1c9a';

describe('admin API', () => {
  let platform: Platform;
  let admin: ReturnType<typeof client>;
  let gateway: AppProcess;

  beforeAll(async () => {
    platform = await startPlatform();
    admin = client(platform.apiUrl);
    gateway = platform.apps.find((a) => a.name === 'gateway')!;
  });
  afterAll(() => platform?.stop());

  async function newTenant(name: string, extra: Record<string, unknown> = {}): Promise<string> {
    const created = await admin.post('/admin/v1/tenants', { name, ...extra });
    expect(created.status).toBe(201);
    return created.body.id;
  }

  async function newKey(tenantId: string, body: Record<string, unknown> = { name: 'app' }): Promise<{ id: string; key: string }> {
    const created = await admin.post(`/admin/v1/tenants/${tenantId}/api-keys`, body);
    expect(created.status).toBe(201);
    return created.body;
  }

  /** Another gateway of the same platform (same NATS, database), on its own port. */
  async function extraGateway(env: NodeJS.ProcessEnv): Promise<string> {
    const port = await infra.freePort();
    await platform.startApp('gateway', { GATEWAY_PORT: String(port), ...env });
    return `http://127.0.0.1:${port}`;
  }

  describe('tenants', () => {
    it('creates a tenant with its settings, answers it whole, and stores it', async () => {
      const created = await admin.post('/admin/v1/tenants', { name: '  Acme  ', limits: { speak_per_minute: 5 }, billing: { model: 'minimum_then_per_second', minimum_seconds: 60 } });

      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: 'Acme',
        status: 'active',
        limits: { speak_per_minute: 5 },
        quotas: {},
        billing: { model: 'minimum_then_per_second', minimum_seconds: 60 },
        providers: {},
        created_at: expect.any(String),
        updated_at: expect.any(String),
        disabled_at: null,
      });
      const row = await platform.db.tenant.findUniqueOrThrow({ where: { id: created.body.id } });
      expect(row).toMatchObject({ name: 'Acme', status: 'active', limits: { speak_per_minute: 5 }, billing: { model: 'minimum_then_per_second', minimum_seconds: 60 } });
      expect((await admin.get(`/admin/v1/tenants/${created.body.id}`)).body).toEqual(created.body);
      expect(gateway.output()).toContain(`audit actor=admin action=tenant.create tenant=${created.body.id} name=Acme`);
    });

    it('patches name and settings: a settings object given replaces the stored one, billing null is the default again', async () => {
      const id = await newTenant('before', { limits: { speak_per_minute: 5, chat_per_minute: 7 }, quotas: { max_active_sessions: 3 }, billing: { model: 'per_second' } });

      const patched = await admin.patch(`/admin/v1/tenants/${id}`, { name: 'after', limits: { sessions_per_minute: 2 }, billing: null });

      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ id, name: 'after', limits: { sessions_per_minute: 2 }, quotas: { max_active_sessions: 3 }, billing: null });
      const row = await platform.db.tenant.findUniqueOrThrow({ where: { id } });
      expect({ limits: row.limits, quotas: row.quotas, billing: row.billing }).toEqual({ limits: { sessions_per_minute: 2 }, quotas: { max_active_sessions: 3 }, billing: {} });
      expect(gateway.output()).toContain(`action=tenant.update tenant=${id} changed=name,limits,billing`);
      expectEnvelope(await admin.patch(`/admin/v1/tenants/${id}`, {}), 400, 'VALIDATION_ERROR');
      expectEnvelope(await admin.patch(`/admin/v1/tenants/${id}`, { limits: { speak_per_minute: 0 } }), 400, 'VALIDATION_ERROR');
      const unknown = await admin.patch(`/admin/v1/tenants/${UNKNOWN}`, { name: 'x' });
      expectEnvelope(unknown, 404, 'NOT_FOUND');
      expect(unknown.body.error.details).toEqual({ tenant_id: UNKNOWN });
    });

    it('lists every tenant once, page by page in id order, and filters by status', async () => {
      const mine = [await newTenant('page 1'), await newTenant('page 2'), await newTenant('page 3')];
      await admin.post(`/admin/v1/tenants/${mine[1]}/disable`);

      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: Answer = await admin.get(`/admin/v1/tenants?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.status).toBe(200);
        expect(page.body.tenants.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.tenants.map((t: { id: string }) => t.id));
        cursor = page.body.next_cursor;
        pages += 1;
      } while (cursor && pages < 100);

      const all = (await platform.db.tenant.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map((t) => t.id);
      expect(seen).toEqual(all);
      // The page that ends the list says so itself: no extra empty page.
      expect(pages).toBe(Math.ceil(all.length / 2));

      const disabled = (await admin.get('/admin/v1/tenants?status=disabled&limit=200')).body;
      expect(disabled.tenants.map((t: { id: string }) => t.id)).toContain(mine[1]);
      expect(disabled.tenants.every((t: { status: string }) => t.status === 'disabled')).toBe(true);
      expect(disabled.next_cursor).toBeNull();
      const active = (await admin.get('/admin/v1/tenants?status=active&limit=200')).body.tenants.map((t: { id: string }) => t.id);
      expect(active).toEqual(expect.arrayContaining([mine[0], mine[2]]));
      expect(active).not.toContain(mine[1]);

      expectEnvelope(await admin.get('/admin/v1/tenants?limit=201'), 400, 'VALIDATION_ERROR');
      expectEnvelope(await admin.get('/admin/v1/tenants?cursor=not-a-cursor'), 400, 'VALIDATION_ERROR');
      expectEnvelope(await admin.get('/admin/v1/tenants?status=sleeping'), 400, 'VALIDATION_ERROR');
    });

    it('answers 404 for an unknown tenant and 400 for a malformed id or body, writing nothing', async () => {
      const before = await platform.db.tenant.count();
      const unknown = await admin.get(`/admin/v1/tenants/${UNKNOWN}`);
      expectEnvelope(unknown, 404, 'NOT_FOUND');
      expect(unknown.body.error.details).toEqual({ tenant_id: UNKNOWN });
      expectEnvelope(await admin.post(`/admin/v1/tenants/${UNKNOWN}/disable`), 404, 'NOT_FOUND');
      expectEnvelope(await admin.get('/admin/v1/tenants/nope'), 400, 'VALIDATION_ERROR');
      expectEnvelope(await admin.post('/admin/v1/tenants', { name: '' }), 400, 'VALIDATION_ERROR');
      expectEnvelope(await admin.post('/admin/v1/tenants', { name: 'x', plan: 'gold' }), 400, 'VALIDATION_ERROR');
      expectEnvelope(await admin.post('/admin/v1/tenants', { name: 'x', quotas: { max_active_sessions: -1 } }), 400, 'VALIDATION_ERROR');
      expectEnvelope(await admin.post('/admin/v1/tenants', { name: 'x'.repeat(201) }), 400, 'VALIDATION_ERROR');
      expect(await platform.db.tenant.count()).toBe(before);
    });

    it('disables a tenant: its key answers 401 at once, its running sessions stop with tenant_disabled (and say so); enable brings the key back', async () => {
      const tenantId = await newTenant('to disable');
      const { key } = await newKey(tenantId);
      const api = apiClient(platform.apiUrl, key);
      const running = await startedSession(api);
      const waiting = (await api.post('/v1/streaming.new', {})).body.session_id as string;
      const socket = await openSocket(sessionSocketUrl(platform.wsUrl, running.sessionId, running.token));
      await socket.waitFor((e) => e.type === 'session.started');
      expect((await api.get('/v1/streaming.sessions')).status).toBe(200); // the key is cached now

      const disabled = await admin.post(`/admin/v1/tenants/${tenantId}/disable`);

      expect(disabled.status).toBe(200);
      expect(disabled.body).toMatchObject({ id: tenantId, status: 'disabled', disabled_at: expect.any(String), sessions_stopped: 2 });
      expectEnvelope(await api.get('/v1/streaming.sessions'), 401, 'UNAUTHORIZED');
      expectEnvelope(await api.post('/v1/streaming.new', {}), 401, 'UNAUTHORIZED');
      const stoppedEvent = await socket.waitFor((e) => e.type === 'session.stopped');
      expect(stoppedEvent.reason).toBe('tenant_disabled');
      await socket.close();
      const sessions = await platform.db.session.findMany({ where: { id: { in: [running.sessionId, waiting] } } });
      expect(sessions.map((s) => [s.status, s.endReason])).toEqual([
        ['stopped', 'tenant_disabled'],
        ['stopped', 'tenant_disabled'],
      ]);
      expect(gateway.output()).toContain(`audit actor=admin action=tenant.disable tenant=${tenantId} sessions_stopped=2`);

      const again = await admin.post(`/admin/v1/tenants/${tenantId}/disable`);
      expect(again.body).toMatchObject({ status: 'disabled', disabled_at: disabled.body.disabled_at, sessions_stopped: 0 });

      const enabled = await admin.post(`/admin/v1/tenants/${tenantId}/enable`);
      expect(enabled.body).toMatchObject({ status: 'active', disabled_at: null });
      expect((await api.get('/v1/streaming.sessions')).status).toBe(200);
    });
  });

  describe('API keys', () => {
    it('creates a key that works at once, lists it without its secret, and revokes it on every gateway at once', async () => {
      const tenantId = await newTenant('keys');
      const other = await extraGateway({});
      const created = await admin.post(`/admin/v1/tenants/${tenantId}/api-keys`, { name: 'backend' });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.any(String),
        key: expect.stringMatching(/^ak_/),
        prefix: created.body.key.slice(0, 10),
        name: 'backend',
        scopes: ['sessions:write', 'sessions:read', 'usage:read'],
        created_at: expect.any(String),
      });
      const key = created.body.key as string;
      const row = await platform.db.apiKey.findUniqueOrThrow({ where: { id: created.body.id } });
      expect(row.keyHash).toBe(createHash('sha256').update(key).digest('hex'));
      expect(JSON.stringify(row)).not.toContain(key);

      const here = apiClient(platform.apiUrl, key);
      const there = apiClient(other, key);
      expect((await here.get('/v1/streaming.sessions')).status).toBe(200);
      expect((await there.get('/v1/streaming.sessions')).status).toBe(200);

      await until(async () => (await platform.db.apiKey.findUniqueOrThrow({ where: { id: created.body.id } })).lastUsedAt !== null); // written in the background
      const listed = await admin.get(`/admin/v1/tenants/${tenantId}/api-keys`);
      expect(listed.body.api_keys).toEqual([
        { id: created.body.id, name: 'backend', prefix: created.body.prefix, scopes: created.body.scopes, created_at: created.body.created_at, last_used_at: expect.any(String), expires_at: null, revoked_at: null },
      ]);
      expect(listed.text).not.toContain(key);
      expect(listed.text).not.toContain(row.keyHash);
      expect(gateway.output()).not.toContain(key);

      const revoked = await admin.post(`/admin/v1/tenants/${tenantId}/api-keys/${created.body.id}/revoke`);
      expect(revoked.status).toBe(200);
      expect(revoked.body).toMatchObject({ id: created.body.id, revoked_at: expect.any(String) });
      expectEnvelope(await here.get('/v1/streaming.sessions'), 401, 'UNAUTHORIZED');
      expectEnvelope(await there.get('/v1/streaming.sessions'), 401, 'UNAUTHORIZED');

      const again = await admin.post(`/admin/v1/tenants/${tenantId}/api-keys/${created.body.id}/revoke`);
      expect(again.body.revoked_at).toBe(revoked.body.revoked_at);
      expect(gateway.output()).toContain(`action=api_key.revoke tenant=${tenantId} key_id=${created.body.id}`);
    });

    it("rotates a key: old and new secrets both work, the old one stops after its grace; another tenant's key is not found", async () => {
      const tenantId = await newTenant('rotation');
      const old = await newKey(tenantId, { name: 'rotating', scopes: ['sessions:read'] });
      const oldApi = apiClient(platform.apiUrl, old.key);
      expect((await oldApi.get('/v1/streaming.sessions')).status).toBe(200); // cached before the rotation

      const rotated = await admin.post(`/admin/v1/tenants/${tenantId}/api-keys/${old.id}/rotate`, { grace_seconds: 3 });

      expect(rotated.status).toBe(201);
      expect(rotated.body).toMatchObject({ name: 'rotating', scopes: ['sessions:read'], key: expect.stringMatching(/^ak_/), previous_key: { id: old.id, expires_at: expect.any(String) } });
      expect(rotated.body.id).not.toBe(old.id);
      const expiresAt = Date.parse(rotated.body.previous_key.expires_at);
      const oldRow = await platform.db.apiKey.findUniqueOrThrow({ where: { id: old.id } });
      expect(oldRow.expiresAt?.getTime()).toBe(expiresAt);
      const newApi = apiClient(platform.apiUrl, rotated.body.key);
      expect((await newApi.get('/v1/streaming.sessions')).status).toBe(200);

      // Until its expiry the old secret works; after it, it does not (on the gateway that cached it).
      let refusedAt = 0;
      while (!refusedAt) {
        const asked = Date.now();
        const status = (await oldApi.get('/v1/streaming.sessions')).status;
        if (status === 401) refusedAt = asked;
        else {
          expect(status).toBe(200);
          expect(asked).toBeLessThan(expiresAt + 1000);
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
      expect((await newApi.get('/v1/streaming.sessions')).status).toBe(200);

      // The default grace is API_KEY_ROTATION_GRACE_SECONDS (24 h).
      const before = Date.now();
      const byDefault = await admin.post(`/admin/v1/tenants/${tenantId}/api-keys/${rotated.body.id}/rotate`);
      expect(byDefault.status).toBe(201);
      const grace = Date.parse(byDefault.body.previous_key.expires_at) - before;
      expect(grace).toBeGreaterThan(24 * 3600_000 - 60_000);
      expect(grace).toBeLessThan(24 * 3600_000 + 60_000);

      const revoked = await newKey(tenantId);
      await admin.post(`/admin/v1/tenants/${tenantId}/api-keys/${revoked.id}/revoke`);
      expectEnvelope(await admin.post(`/admin/v1/tenants/${tenantId}/api-keys/${revoked.id}/rotate`, {}), 400, 'VALIDATION_ERROR');
      expectEnvelope(await admin.post(`/admin/v1/tenants/${tenantId}/api-keys/${old.id}/rotate`, { grace_seconds: 604_801 }), 400, 'VALIDATION_ERROR');

      const foreign = await newKey(await newTenant('someone else'));
      const notTheirs = await admin.post(`/admin/v1/tenants/${tenantId}/api-keys/${foreign.id}/revoke`);
      expectEnvelope(notTheirs, 404, 'NOT_FOUND');
      expect(notTheirs.body.error.details).toEqual({ tenant_id: tenantId, key_id: foreign.id });
      expectEnvelope(await admin.post(`/admin/v1/tenants/${tenantId}/api-keys/${foreign.id}/rotate`, {}), 404, 'NOT_FOUND');
      expect((await apiClient(platform.apiUrl, foreign.key).get('/v1/streaming.sessions')).status).toBe(200);
    });

    it('gives a key only its scopes: sessions:read may list but gets 403 FORBIDDEN on streaming.new', async () => {
      const tenantId = await newTenant('scopes');
      const reader = await newKey(tenantId, { name: 'dashboard', scopes: ['sessions:read'] });
      const api = apiClient(platform.apiUrl, reader.key);

      expect((await api.get('/v1/streaming.sessions')).status).toBe(200);
      const refused = await api.post('/v1/streaming.new', {});
      expectEnvelope(refused, 403, 'FORBIDDEN');
      expect(refused.body.error.details).toEqual({ required_scope: 'sessions:write' });
      expect(await platform.db.session.count({ where: { tenantId } })).toBe(0);

      expectEnvelope(await admin.post(`/admin/v1/tenants/${tenantId}/api-keys`, { name: 'none', scopes: [] }), 400, 'VALIDATION_ERROR');
      expectEnvelope(await admin.post(`/admin/v1/tenants/${tenantId}/api-keys`, { name: 'root', scopes: ['admin'] }), 400, 'VALIDATION_ERROR');
      expectEnvelope(await admin.post(`/admin/v1/tenants/${UNKNOWN}/api-keys`, { name: 'x' }), 404, 'NOT_FOUND');
    });
  });

  describe('credentials of the two APIs', () => {
    it('keeps tenant keys out of /admin and the admin token out of /v1', async () => {
      const tenantKey = platform.tenants.a.apiKey;
      expectEnvelope(await client(platform.apiUrl, tenantKey).get('/admin/v1/tenants'), 401, 'UNAUTHORIZED');
      expectEnvelope(await client(platform.apiUrl, null).get('/admin/v1/tenants'), 401, 'UNAUTHORIZED');
      expectEnvelope(await client(platform.apiUrl, `${TEST_ADMIN_TOKEN}x`).post('/admin/v1/tenants', { name: 'x' }), 401, 'UNAUTHORIZED');
      expectEnvelope(await client(platform.apiUrl).get('/v1/streaming.sessions'), 401, 'UNAUTHORIZED');
      expectEnvelope(await client(platform.apiUrl).post('/v1/streaming.new', {}), 401, 'UNAUTHORIZED');
    });

    it('answers 503 on every admin route of a gateway without ADMIN_TOKEN', async () => {
      const url = await extraGateway({ ADMIN_TOKEN: undefined });
      const off = client(url);
      for (const answer of [
        await off.get('/admin/v1/tenants'),
        await off.post('/admin/v1/tenants', { name: 'x' }),
        await off.post(`/admin/v1/tenants/${UNKNOWN}/disable`),
        await off.put(`/admin/v1/tenants/${UNKNOWN}/credentials/heygen`, { api_key: 'k' }),
        await client(url, null).get('/admin/v1/tenants'),
      ]) {
        expectEnvelope(answer, 503, 'SERVICE_UNAVAILABLE');
        expect(answer.body.error.message).toBe('admin API disabled: set ADMIN_TOKEN');
      }
      expect((await apiClient(url, platform.tenants.a.apiKey).get('/v1/streaming.sessions')).status).toBe(200);
    });
  });

  describe('vendor credentials', () => {
    it('stores them sealed and never shows a value: PUT, GET and DELETE answer field names only', async () => {
      const tenantId = await newTenant('credentials');
      const put = await admin.put(`/admin/v1/tenants/${tenantId}/credentials/heygen`, { api_key: SECRET, app_id: 'app-1' });

      const keyId = createHash('sha256').update(Buffer.from(TEST_CREDENTIALS_KEY, 'base64')).digest('hex').slice(0, 16);
      expect(put.status).toBe(200);
      expect(put.body).toEqual({ provider: 'heygen', fields: ['api_key', 'app_id'], key_id: keyId, updated_at: expect.any(String) });
      expect(put.text).not.toContain(SECRET);

      const row = await platform.db.vendorCredential.findUniqueOrThrow({ where: { tenantId_provider: { tenantId, provider: 'heygen' } } });
      expect(row.keyId).toBe(keyId);
      expect(Buffer.from(row.sealed).includes(SECRET)).toBe(false);
      expect(Buffer.from(row.sealed).includes('app-1')).toBe(false);
      // What the provider adapters will read: the reader opens them with the same key.
      const reader = new VendorCredentialsReader(new VendorCredentialsRepository(platform.db), CredentialCipher.fromConfig({ CREDENTIALS_KEY: TEST_CREDENTIALS_KEY }));
      expect(await reader.credentialsFor(TenantScopes.administered(tenantId), 'heygen')).toEqual({ api_key: SECRET, app_id: 'app-1' });
      expect(await reader.credentialsFor(TenantScopes.administered(tenantId), 'elevenlabs')).toBeNull();
      expect(await reader.credentialsFor(TenantScopes.administered(platform.tenants.a.id), 'heygen')).toBeNull();

      const listed = await admin.get(`/admin/v1/tenants/${tenantId}/credentials`);
      expect(listed.body).toEqual({ credentials: [{ provider: 'heygen', fields: ['api_key', 'app_id'], key_id: keyId, updated_at: expect.any(String) }] });
      expect(listed.text).not.toContain(SECRET);

      const replaced = await admin.put(`/admin/v1/tenants/${tenantId}/credentials/heygen`, { api_key: 'second' });
      expect(replaced.body.fields).toEqual(['api_key']);
      expect(await reader.credentialsFor(TenantScopes.administered(tenantId), 'heygen')).toEqual({ api_key: 'second' });

      expect((await admin.delete(`/admin/v1/tenants/${tenantId}/credentials/heygen`)).status).toBe(204);
      expectEnvelope(await admin.delete(`/admin/v1/tenants/${tenantId}/credentials/heygen`), 404, 'NOT_FOUND');
      expect((await admin.get(`/admin/v1/tenants/${tenantId}/credentials`)).body).toEqual({ credentials: [] });
      expectEnvelope(await admin.put(`/admin/v1/tenants/${UNKNOWN}/credentials/heygen`, { api_key: 'k' }), 404, 'NOT_FOUND');

      expect(gateway.output()).toContain(`audit actor=admin action=credentials.put tenant=${tenantId} provider=heygen fields=api_key,app_id key_id=${keyId}`);
      expect(gateway.output()).not.toContain(SECRET);
    });

    it('refuses bad credentials with a 400 that does not echo the values, and logs none of them', async () => {
      const tenantId = await newTenant('bad credentials');
      const path = `/admin/v1/tenants/${tenantId}/credentials`;
      const tooMany = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`f${i}`, SECRET]));
      const refusals = [
        await admin.put(`${path}/heygen`, tooMany),
        await admin.put(`${path}/heygen`, { api_key: SECRET + 'x'.repeat(4096) }),
        await admin.put(`${path}/heygen`, { api_key: { nested: SECRET } }),
        await admin.put(`${path}/heygen`, { api_key: '' }),
        await admin.put(`${path}/heygen`, { 'API-KEY': SECRET }),
        await admin.put(`${path}/heygen`, {}),
        await admin.put(`${path}/heygen`, [SECRET]),
        await admin.put(`${path}/openai`, { api_key: SECRET }),
        await admin.put(`${path}/heygen`, `{"api_key": "${SECRET}", "app_id": tru}`),
      ];
      for (const answer of refusals) {
        expectEnvelope(answer, 400, 'VALIDATION_ERROR');
        expect(answer.text).not.toContain(SECRET);
      }
      expect(await platform.db.vendorCredential.count({ where: { tenantId } })).toBe(0);
      expect(gateway.output()).not.toContain(SECRET);
    });

    it('answers 503 naming CREDENTIALS_KEY on a gateway without one, and stores nothing', async () => {
      const tenantId = await newTenant('no key');
      const url = await extraGateway({ CREDENTIALS_KEY: undefined });

      const answer = await client(url).put(`/admin/v1/tenants/${tenantId}/credentials/elevenlabs`, { api_key: SECRET });

      expectEnvelope(answer, 503, 'SERVICE_UNAVAILABLE');
      expect(answer.body.error.message).toContain('CREDENTIALS_KEY');
      expect(await platform.db.vendorCredential.count({ where: { tenantId } })).toBe(0);
    });
  });

  it('describes the admin routes in the OpenAPI document, and each one exists', async () => {
    const doc = (await client(platform.apiUrl, null).get('/openapi.json')).body;
    const operations = Object.entries(doc.paths as Record<string, Record<string, { security: unknown }>>)
      .filter(([path]) => path.startsWith('/admin/v1/'))
      .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, security: op.security })));
    expect(operations.map((o) => `${o.method} ${o.path}`)).toEqual(
      expect.arrayContaining([
        'POST /admin/v1/tenants',
        'GET /admin/v1/tenants',
        'GET /admin/v1/tenants/{tenant_id}',
        'PATCH /admin/v1/tenants/{tenant_id}',
        'POST /admin/v1/tenants/{tenant_id}/disable',
        'POST /admin/v1/tenants/{tenant_id}/enable',
        'POST /admin/v1/tenants/{tenant_id}/api-keys',
        'GET /admin/v1/tenants/{tenant_id}/api-keys',
        'POST /admin/v1/tenants/{tenant_id}/api-keys/{key_id}/rotate',
        'POST /admin/v1/tenants/{tenant_id}/api-keys/{key_id}/revoke',
        'PUT /admin/v1/tenants/{tenant_id}/credentials/{provider}',
        'GET /admin/v1/tenants/{tenant_id}/credentials',
        'DELETE /admin/v1/tenants/{tenant_id}/credentials/{provider}',
      ]),
    );
    expect(doc.paths['/admin/v1/tenants'].post.security).toEqual([{ adminToken: [] }]);
    for (const { method, path } of operations) {
      const url = path.replace('{tenant_id}', UNKNOWN).replace('{key_id}', UNKNOWN).replace('{provider}', 'heygen');
      const answer = await fetch(platform.apiUrl + url, { method, headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
      const body = (await answer.json().catch(() => ({}))) as { error?: { code: string; details: Record<string, unknown> } };
      // An unknown route is NOT_FOUND without details; an unknown tenant names it.
      expect(body.error?.code === 'NOT_FOUND' && !body.error.details.tenant_id).toBe(false);
    }
  });
});
