import type { TenantsRepository } from '@avatar/persistence';
import { DemoTenant } from './demo-tenant';

const ID = '00000000-0000-4000-8000-00000000de00';

function demoWith(row: { status: string } | null) {
  const tenants = { find: jest.fn().mockResolvedValue(row) };
  return { demo: new DemoTenant(ID, tenants as unknown as TenantsRepository), tenants };
}

describe('DemoTenant', () => {
  it('scopes to DEMO_TENANT_ID, and answers that scope while the tenant is active', async () => {
    const { demo, tenants } = demoWith({ status: 'active' });
    expect(demo.scope).toBe(ID);
    await expect(demo.activeScope()).resolves.toBe(ID);
    expect(tenants.find).toHaveBeenCalledWith(ID);
  });

  it('refuses a disabled tenant (403), as its API keys are refused', async () => {
    await expect(demoWith({ status: 'disabled' }).demo.activeScope()).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'the demo tenant is disabled' });
  });

  it('says the demo is misconfigured (503) when DEMO_TENANT_ID names no tenant', async () => {
    await expect(demoWith(null).demo.activeScope()).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: expect.stringMatching(/DEMO_TENANT_ID names no tenant/) });
  });
});
