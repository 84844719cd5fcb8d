import { createHash } from 'node:crypto';
import { TenantScopes } from '@avatar/contracts';
import type { ApiKeysRepository, NewApiKey, TenantAdminRepository } from '@avatar/persistence';
import { ADMIN_FIXTURE_TENANT_ID, apiKeyRow, caughtPlatformError, tenantRow } from '@avatar/testing';
import type { AdminAudit } from '../../common/admin-audit';
import { CreateApiKeyUseCase } from './create-api-key.use-case';

const TENANT = TenantScopes.administered(ADMIN_FIXTURE_TENANT_ID);

function setup(tenant = tenantRow()) {
  const tenants = { find: jest.fn(async () => tenant) };
  const keys = { create: jest.fn(async (_t: unknown, key: NewApiKey) => apiKeyRow({ ...key })) };
  const audit = { record: jest.fn() };
  const useCase = new CreateApiKeyUseCase(tenants as unknown as TenantAdminRepository, keys as unknown as ApiKeysRepository, audit as unknown as AdminAudit);
  return { useCase, keys, audit };
}

describe('CreateApiKeyUseCase', () => {
  it('stores the hash and prefix of a new key and answers the key itself this once', async () => {
    const t = setup();

    const answer = await t.useCase.execute(TENANT, { name: 'ci', scopes: ['sessions:read'] });

    const [scope, stored] = t.keys.create.mock.calls[0];
    expect(scope).toBe(TENANT);
    expect(answer.key).toMatch(/^ak_/);
    expect(stored).toEqual({ id: answer.id, name: 'ci', scopes: ['sessions:read'], keyHash: createHash('sha256').update(answer.key).digest('hex'), keyPrefix: answer.key.slice(0, 10) });
    expect(JSON.stringify(stored)).not.toContain(answer.key);
    expect(answer).toMatchObject({ prefix: answer.key.slice(0, 10), name: 'ci', scopes: ['sessions:read'] });
  });

  it('audits the key id and scopes, never the key', async () => {
    const t = setup();
    const answer = await t.useCase.execute(TENANT, { name: 'ci', scopes: ['sessions:read'] });
    expect(t.audit.record).toHaveBeenCalledWith('api_key.create', TENANT, { key_id: answer.id, scopes: ['sessions:read'] });
    expect(JSON.stringify(t.audit.record.mock.calls)).not.toContain(answer.key);
  });

  it('answers NOT_FOUND for an unknown tenant and creates nothing', async () => {
    const t = setup(null as never);
    expect((await caughtPlatformError(t.useCase.execute(TENANT, { name: 'ci', scopes: ['sessions:read'] }))).code).toBe('NOT_FOUND');
    expect(t.keys.create).not.toHaveBeenCalled();
  });
});
