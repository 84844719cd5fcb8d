import { TenantScopes, tenantSubjects } from '@avatar/contracts';
import type { TenantAdminRepository } from '@avatar/persistence';
import type { Announcer } from '@avatar/tenancy';
import { ADMIN_FIXTURE_TENANT_ID, caughtPlatformError, tenantRow } from '@avatar/testing';
import type { AdminAudit } from '../../common/admin-audit';
import { UpdateTenantUseCase } from './update-tenant.use-case';

const TENANT = TenantScopes.administered(ADMIN_FIXTURE_TENANT_ID);

function setup(found = true) {
  const calls: string[] = [];
  const tenants = { update: jest.fn(async () => (calls.push('db'), found ? tenantRow({ name: 'New' }) : null)) };
  const announcer = { announce: jest.fn(async (m: Array<{ subject: string }>) => void calls.push(...m.map((x) => x.subject))) };
  const audit = { record: jest.fn() };
  const useCase = new UpdateTenantUseCase(tenants as unknown as TenantAdminRepository, announcer as unknown as Announcer, audit as unknown as AdminAudit);
  return { useCase, tenants, announcer, audit, calls };
}

describe('UpdateTenantUseCase', () => {
  it('writes only the fields given (billing null = the default rule, {}), then announces the change', async () => {
    const t = setup();

    const answer = await t.useCase.execute(TENANT, { name: 'New', limits: { speak_per_minute: 9 }, billing: null });

    expect(t.tenants.update).toHaveBeenCalledWith(TENANT, { name: 'New', limits: { speak_per_minute: 9 }, billing: {} });
    expect(t.calls).toEqual(['db', tenantSubjects.changed(TENANT)]);
    expect(answer.name).toBe('New');
    expect(t.audit.record).toHaveBeenCalledWith('tenant.update', TENANT, { changed: ['name', 'limits', 'billing'] });
  });

  it('answers NOT_FOUND for an unknown tenant and announces nothing', async () => {
    const t = setup(false);
    expect((await caughtPlatformError(t.useCase.execute(TENANT, { name: 'x' }))).code).toBe('NOT_FOUND');
    expect(t.announcer.announce).not.toHaveBeenCalled();
  });
});
