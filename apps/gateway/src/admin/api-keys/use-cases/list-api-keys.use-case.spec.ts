import { TenantScopes } from '@avatar/contracts';
import type { ApiKeysRepository, TenantAdminRepository } from '@avatar/persistence';
import { ADMIN_FIXTURE_TENANT_ID, apiKeyRow, caughtPlatformError, tenantRow } from '@avatar/testing';
import { ListApiKeysUseCase } from './list-api-keys.use-case';

const TENANT = TenantScopes.administered(ADMIN_FIXTURE_TENANT_ID);

describe('ListApiKeysUseCase', () => {
  it('lists prefixes, scopes and dates, never the hash', async () => {
    const row = apiKeyRow({ lastUsedAt: new Date('2025-01-02T00:00:00.000Z'), expiresAt: new Date('2025-01-03T00:00:00.000Z') });
    const keys = { list: jest.fn(async () => [row]) };
    const useCase = new ListApiKeysUseCase({ find: async () => tenantRow() } as unknown as TenantAdminRepository, keys as unknown as ApiKeysRepository);

    const answer = await useCase.execute(TENANT);

    expect(keys.list).toHaveBeenCalledWith(TENANT);
    expect(answer.api_keys).toEqual([
      { id: row.id, name: 'backend', prefix: 'ak_abcdefg', scopes: row.scopes, created_at: '2025-01-01T00:00:00.000Z', last_used_at: '2025-01-02T00:00:00.000Z', expires_at: '2025-01-03T00:00:00.000Z', revoked_at: null },
    ]);
    expect(JSON.stringify(answer)).not.toContain(row.keyHash);
  });

  it('answers NOT_FOUND for an unknown tenant (not an empty list)', async () => {
    const useCase = new ListApiKeysUseCase({ find: async () => null } as unknown as TenantAdminRepository, { list: jest.fn() } as unknown as ApiKeysRepository);
    expect((await caughtPlatformError(useCase.execute(TENANT))).code).toBe('NOT_FOUND');
  });
});
