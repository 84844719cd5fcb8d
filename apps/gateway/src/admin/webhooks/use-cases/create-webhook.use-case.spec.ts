import { PlatformError, TenantScopes } from '@avatar/contracts';
import type { TenantAdminRepository, WebhookEndpointsRepository } from '@avatar/persistence';
import { CredentialCipher, webhookSecretContext } from '@avatar/tenancy';
import type { AdminAudit } from '../../common/admin-audit';
import { CreateWebhookUseCase } from './create-webhook.use-case';

const TENANT = TenantScopes.administered('11111111-1111-4111-8111-111111111111');
const KEY = Buffer.alloc(32, 9).toString('base64');

function setup(options: { key?: string; tenantExists?: boolean; created?: boolean } = {}) {
  const cipher = CredentialCipher.fromConfig({ CREDENTIALS_KEY: 'key' in options ? options.key : KEY });
  const tenants = { find: jest.fn().mockResolvedValue(options.tenantExists === false ? null : { id: TENANT }) };
  const endpoints = {
    create: jest.fn(async (_t: string, e: { id: string; url: string; events: string[] }) =>
      options.created === false ? null : { ...e, tenantId: TENANT, createdAt: new Date('2026-11-21T10:00:00Z'), disabledAt: null },
    ),
  };
  const audit = { record: jest.fn() };
  const useCase = new CreateWebhookUseCase(tenants as unknown as TenantAdminRepository, endpoints as unknown as WebhookEndpointsRepository, cipher, audit as unknown as AdminAudit);
  return { useCase, endpoints, audit, cipher };
}

const REQUEST = { url: 'https://example.test/hooks', events: ['session.started' as const, 'session.stopped' as const] };

describe('CreateWebhookUseCase', () => {
  it('answers the secret once and stores it only sealed, bound to the tenant and endpoint', async () => {
    const t = setup();

    const created = await t.useCase.execute(TENANT, REQUEST);

    expect(created).toEqual({ id: expect.any(String), url: REQUEST.url, events: REQUEST.events, secret: expect.stringMatching(/^whsec_/), created_at: '2026-11-21T10:00:00.000Z' });
    const [, stored] = t.endpoints.create.mock.calls[0] as unknown as [string, { id: string; keyId: string; sealedSecret: Buffer }];
    expect(stored.id).toBe(created.id);
    expect(stored.sealedSecret.toString('latin1')).not.toContain(created.secret);
    expect(stored.keyId).toBe(t.cipher.currentKeyId);
    expect(t.cipher.open({ keyId: stored.keyId, sealed: stored.sealedSecret }, webhookSecretContext(TENANT, created.id)).toString()).toBe(created.secret);
    expect(JSON.stringify(t.audit.record.mock.calls)).not.toContain(created.secret);
  });

  it('without CREDENTIALS_KEY: 503 SERVICE_UNAVAILABLE naming it, nothing stored', async () => {
    const t = setup({ key: undefined });

    const error = await t.useCase.execute(TENANT, REQUEST).catch((e) => e);

    expect(error).toBeInstanceOf(PlatformError);
    expect(error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', details: { missing: 'CREDENTIALS_KEY' } });
    expect(t.endpoints.create).not.toHaveBeenCalled();
  });

  it('an unknown tenant: 404', async () => {
    const t = setup({ tenantExists: false });

    await expect(t.useCase.execute(TENANT, REQUEST)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(t.endpoints.create).not.toHaveBeenCalled();
  });

  it('past the endpoints cap: QUOTA_EXCEEDED', async () => {
    const t = setup({ created: false });

    await expect(t.useCase.execute(TENANT, REQUEST)).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED', details: { limit: 20 } });
  });
});
