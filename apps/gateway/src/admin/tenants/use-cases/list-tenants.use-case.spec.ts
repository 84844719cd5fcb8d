import { tenantCursor } from '@avatar/contracts';
import type { TenantAdminRepository } from '@avatar/persistence';
import { tenantRow } from '@avatar/testing';
import { ListTenantsUseCase } from './list-tenants.use-case';

const ids = ['10000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000003'];

function setup(rows = ids.map((id) => tenantRow({ id }))) {
  const tenants = { list: jest.fn(async (q: { limit: number }) => rows.slice(0, q.limit)) };
  return { useCase: new ListTenantsUseCase(tenants as unknown as TenantAdminRepository), tenants };
}

describe('ListTenantsUseCase', () => {
  it('asks for one row more than the page and, when it comes, answers a cursor after the last one shown', async () => {
    const t = setup();

    const page = await t.useCase.execute({ limit: 2, status: 'active', cursor: ids[0] });

    expect(t.tenants.list).toHaveBeenCalledWith({ status: 'active', after: ids[0], limit: 3 });
    expect(page.tenants.map((x) => x.id)).toEqual(ids.slice(0, 2));
    expect(page.next_cursor).toBe(tenantCursor.encode(ids[1]));
    expect(tenantCursor.decode(page.next_cursor!)).toBe(ids[1]);
  });

  it('answers next_cursor null on the last page, even a full one', async () => {
    const t = setup();
    expect((await t.useCase.execute({ limit: 3 })).next_cursor).toBeNull();
    expect((await t.useCase.execute({ limit: 5 })).next_cursor).toBeNull();
  });
});
