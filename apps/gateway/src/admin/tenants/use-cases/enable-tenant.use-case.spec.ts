import { TenantScopes, tenantSubjects } from '@avatar/contracts';
import type { TenantAdminRepository } from '@avatar/persistence';
import type { Announcer } from '@avatar/tenancy';
import { ADMIN_FIXTURE_TENANT_ID, caughtPlatformError, tenantRow } from '@avatar/testing';
import type { AdminAudit } from '../../common/admin-audit';
import { EnableTenantUseCase } from './enable-tenant.use-case';

const TENANT = TenantScopes.administered(ADMIN_FIXTURE_TENANT_ID);

function setup(row = tenantRow()) {
  const tenants = { setStatus: jest.fn(async () => row) };
  const announcer = { announce: jest.fn(async () => undefined) };
  const audit = { record: jest.fn() };
  const useCase = new EnableTenantUseCase(tenants as unknown as TenantAdminRepository, announcer as unknown as Announcer, audit as unknown as AdminAudit);
  return { useCase, tenants, announcer, audit };
}

describe('EnableTenantUseCase', () => {
  it('marks the tenant active and announces the change', async () => {
    const t = setup();
    expect(await t.useCase.execute(TENANT)).toMatchObject({ status: 'active', disabled_at: null });
    expect(t.tenants.setStatus).toHaveBeenCalledWith(TENANT, 'active');
    expect(t.announcer.announce).toHaveBeenCalledWith([expect.objectContaining({ subject: tenantSubjects.changed(TENANT) })]);
    expect(t.audit.record).toHaveBeenCalledWith('tenant.enable', TENANT);
  });

  it('answers NOT_FOUND for an unknown tenant', async () => {
    const t = setup(null as never);
    expect((await caughtPlatformError(t.useCase.execute(TENANT))).code).toBe('NOT_FOUND');
    expect(t.announcer.announce).not.toHaveBeenCalled();
  });
});
