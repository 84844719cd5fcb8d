import type { TenantAdminRepository } from '@avatar/persistence';
import { tenantRow } from '@avatar/testing';
import type { AdminAudit } from '../../common/admin-audit';
import { CreateTenantUseCase } from './create-tenant.use-case';

function setup() {
  const tenants = { create: jest.fn(async (id: string, data: { name: string }) => tenantRow({ id, name: data.name })) };
  const audit = { record: jest.fn() };
  return { useCase: new CreateTenantUseCase(tenants as unknown as TenantAdminRepository, audit as unknown as AdminAudit), tenants, audit };
}

describe('CreateTenantUseCase', () => {
  it('creates the tenant under a new id with the settings given, {} for the rest, and answers it', async () => {
    const t = setup();

    const answer = await t.useCase.execute({ name: 'Acme', limits: { speak_per_minute: 5 } });

    const [id, data] = t.tenants.create.mock.calls[0];
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(data).toEqual({ name: 'Acme', limits: { speak_per_minute: 5 }, quotas: {}, billing: {}, providers: {} });
    expect(answer).toMatchObject({ id, name: 'Acme', status: 'active', billing: null });
    expect(t.audit.record).toHaveBeenCalledWith('tenant.create', id, { name: 'Acme' });
  });

  it('gives every tenant its own id', async () => {
    const t = setup();
    await t.useCase.execute({ name: 'a' });
    await t.useCase.execute({ name: 'b' });
    expect(t.tenants.create.mock.calls[0][0]).not.toBe(t.tenants.create.mock.calls[1][0]);
  });
});
