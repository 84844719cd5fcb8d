import { TenantScopes } from '@avatar/contracts';
import type { ProviderAvailability } from '../../providers/provider-availability';
import type { ListCatalogUseCase } from '../../providers/use-cases/list-catalog.use-case';
import type { DemoTenant } from '../demo-tenant';
import { DemoCatalogUseCase } from './demo-catalog.use-case';

const TENANT = TenantScopes.ofRecord('00000000-0000-4000-8000-00000000de00');

function setup(available: Record<string, boolean>) {
  const demo = { activeScope: jest.fn().mockResolvedValue(TENANT) };
  const availability = {
    list: jest.fn().mockResolvedValue({
      providers: Object.entries(available).map(([name, ok]) => ({ name, available: ok, credentials: ok ? 'platform' : null, stateful: false })),
    }),
  };
  const catalog = {
    execute: jest.fn().mockResolvedValue({
      avatars: [{ id: 'avatar_1', provider: 'local', name: 'Local avatar' }],
      voices: [{ id: 'v', provider: 'local', name: 'Voice' }],
      unavailable: [{ provider: 'heygen', code: 'PROVIDER_TIMEOUT', message: 'slow' }],
    }),
  };
  const useCase = new DemoCatalogUseCase(demo as unknown as DemoTenant, availability as unknown as ProviderAvailability, catalog as unknown as ListCatalogUseCase);
  return { useCase, availability, catalog };
}

describe('DemoCatalogUseCase', () => {
  it("lists the demo tenant's providers (available or not) and the avatars of the available ones, local first", async () => {
    const { useCase, availability, catalog } = setup({ local: true, avaturn: false, heygen: true });
    await expect(useCase.execute()).resolves.toEqual({
      providers: [
        { name: 'local', available: true },
        { name: 'avaturn', available: false },
        { name: 'heygen', available: true },
      ],
      default_provider: 'local',
      avatars: [{ id: 'avatar_1', provider: 'local', name: 'Local avatar' }],
      unavailable: [{ provider: 'heygen', code: 'PROVIDER_TIMEOUT', message: 'slow' }],
    });
    expect(availability.list).toHaveBeenCalledWith(TENANT);
    expect(catalog.execute).toHaveBeenCalledWith(TENANT, {});
  });

  it('selects the first available provider when local is not, and none when nothing is', async () => {
    await expect(setup({ local: false, heygen: true }).useCase.execute()).resolves.toMatchObject({ default_provider: 'heygen' });
    await expect(setup({ local: false }).useCase.execute()).resolves.toMatchObject({ default_provider: null });
  });
});
