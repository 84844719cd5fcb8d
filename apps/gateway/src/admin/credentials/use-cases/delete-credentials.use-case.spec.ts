import { TenantScopes } from '@avatar/contracts';
import type { TenantAdminRepository, VendorCredentialsRepository } from '@avatar/persistence';
import { ADMIN_FIXTURE_TENANT_ID, caughtPlatformError, tenantRow } from '@avatar/testing';
import type { AdminAudit } from '../../common/admin-audit';
import { DeleteCredentialsUseCase } from './delete-credentials.use-case';

const TENANT = TenantScopes.administered(ADMIN_FIXTURE_TENANT_ID);

function setup(deleted: boolean) {
  const credentials = { delete: jest.fn(async () => deleted) };
  const audit = { record: jest.fn() };
  const useCase = new DeleteCredentialsUseCase({ find: async () => tenantRow() } as unknown as TenantAdminRepository, credentials as unknown as VendorCredentialsRepository, audit as unknown as AdminAudit);
  return { useCase, credentials, audit };
}

describe('DeleteCredentialsUseCase', () => {
  it("deletes the tenant's credentials for the vendor and audits it", async () => {
    const t = setup(true);
    await t.useCase.execute(TENANT, 'heygen');
    expect(t.credentials.delete).toHaveBeenCalledWith(TENANT, 'heygen');
    expect(t.audit.record).toHaveBeenCalledWith('credentials.delete', TENANT, { provider: 'heygen' });
  });

  it('answers NOT_FOUND when none were stored', async () => {
    const t = setup(false);
    const err = await caughtPlatformError(t.useCase.execute(TENANT, 'heygen'));
    expect(err.details).toEqual({ tenant_id: ADMIN_FIXTURE_TENANT_ID, provider: 'heygen' });
    expect(t.audit.record).not.toHaveBeenCalled();
  });
});
