import { randomBytes } from 'node:crypto';
import { TenantScopes } from '@avatar/contracts';
import type { SealedDocument, TenantAdminRepository, VendorCredentialsRepository } from '@avatar/persistence';
import { CredentialCipher, vendorCredentialContext } from '@avatar/tenancy';
import { ADMIN_FIXTURE_TENANT_ID, caughtPlatformError, tenantRow, vendorCredentialRow } from '@avatar/testing';
import type { AdminAudit } from '../../common/admin-audit';
import { PutCredentialsUseCase } from './put-credentials.use-case';

const TENANT = TenantScopes.administered(ADMIN_FIXTURE_TENANT_ID);
const SECRET = 'sk_live_secret_value';

function setup(cipher = new CredentialCipher(randomBytes(32)), tenant = tenantRow()) {
  const credentials = { put: jest.fn(async (_t: unknown, provider: string, doc: SealedDocument) => vendorCredentialRow({ provider, keyId: doc.keyId, sealed: doc.sealed })) };
  const audit = { record: jest.fn() };
  const useCase = new PutCredentialsUseCase(
    { find: async () => tenant } as unknown as TenantAdminRepository,
    credentials as unknown as VendorCredentialsRepository,
    cipher,
    audit as unknown as AdminAudit,
  );
  return { useCase, credentials, audit, cipher };
}

describe('PutCredentialsUseCase', () => {
  it('stores the fields sealed for this tenant and vendor, and answers their names only', async () => {
    const t = setup();

    const answer = await t.useCase.execute(TENANT, 'heygen', { app_id: 'a1', api_key: SECRET });

    const [scope, provider, doc] = t.credentials.put.mock.calls[0];
    expect([scope, provider]).toEqual([TENANT, 'heygen']);
    expect(Buffer.from(doc.sealed).includes(SECRET)).toBe(false);
    expect(t.cipher.openJson(doc, vendorCredentialContext(TENANT, 'heygen'))).toEqual({ app_id: 'a1', api_key: SECRET });
    expect(answer).toEqual({ provider: 'heygen', fields: ['api_key', 'app_id'], key_id: t.cipher.currentKeyId, updated_at: '2025-01-01T00:00:00.000Z' });
  });

  it('audits field names, never values', async () => {
    const t = setup();
    await t.useCase.execute(TENANT, 'heygen', { api_key: SECRET });
    expect(t.audit.record).toHaveBeenCalledWith('credentials.put', TENANT, { provider: 'heygen', fields: ['api_key'], key_id: t.cipher.currentKeyId });
    expect(JSON.stringify(t.audit.record.mock.calls)).not.toContain(SECRET);
  });

  it('answers 503 naming CREDENTIALS_KEY without one, and stores nothing', async () => {
    const t = setup(new CredentialCipher(null));
    const err = await caughtPlatformError(t.useCase.execute(TENANT, 'heygen', { api_key: SECRET }));
    expect(err.code).toBe('SERVICE_UNAVAILABLE');
    expect(err.message).toContain('CREDENTIALS_KEY');
    expect(err.message).not.toContain(SECRET);
    expect(t.credentials.put).not.toHaveBeenCalled();
  });

  it('answers NOT_FOUND for an unknown tenant', async () => {
    const t = setup(undefined, null as never);
    expect((await caughtPlatformError(t.useCase.execute(TENANT, 'heygen', { api_key: SECRET }))).code).toBe('NOT_FOUND');
    expect(t.credentials.put).not.toHaveBeenCalled();
  });
});
