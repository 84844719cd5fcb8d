import { TenantScopes } from '@avatar/contracts';
import type { TenantAdminRepository } from '@avatar/persistence';
import { ADMIN_FIXTURE_TENANT_ID, caughtPlatformError, tenantRow } from '@avatar/testing';
import { GetTenantUseCase } from './get-tenant.use-case';

const TENANT = TenantScopes.administered(ADMIN_FIXTURE_TENANT_ID);

describe('GetTenantUseCase', () => {
  it("answers the tenant's view", async () => {
    const tenants = { find: jest.fn(async () => tenantRow({ quotas: { max_active_sessions: 3 } })) };
    const answer = await new GetTenantUseCase(tenants as unknown as TenantAdminRepository).execute(TENANT);
    expect(tenants.find).toHaveBeenCalledWith(TENANT);
    expect(answer).toMatchObject({ id: ADMIN_FIXTURE_TENANT_ID, quotas: { max_active_sessions: 3 } });
  });

  it('answers NOT_FOUND naming the tenant', async () => {
    const tenants = { find: jest.fn(async () => null) };
    const err = await caughtPlatformError(new GetTenantUseCase(tenants as unknown as TenantAdminRepository).execute(TENANT));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.details).toEqual({ tenant_id: ADMIN_FIXTURE_TENANT_ID });
  });
});
