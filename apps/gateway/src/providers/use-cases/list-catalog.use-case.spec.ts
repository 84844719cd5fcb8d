import { Logger } from '@nestjs/common';
import { TenantScopes } from '@avatar/contracts';
import { AvatarProvider, ProviderCatalog, ProviderError, ProviderRegistry } from '@avatar/providers';
import type { GatewayConfig } from '../../gateway-config';
import type { ProviderAvailability } from '../provider-availability';
import { ListCatalogUseCase } from './list-catalog.use-case';

const TENANT = TenantScopes.ofRecord('11111111-1111-4111-8111-111111111111');
const OTHER_TENANT = TenantScopes.ofRecord('22222222-2222-4222-8222-222222222222');
const CACHE_SECONDS = 60;

type Source = 'tenant' | 'platform';

/**
 * A registry of catalog-only adapters (`catalogs`: what each vendor lists) and an
 * availability that answers `sources` (missing: the provider is not configured).
 */
function setup(catalogs: Record<string, ProviderCatalog | (() => Promise<ProviderCatalog>)>, sources: Record<string, Source>) {
  const adapters = Object.entries(catalogs).map(([name, catalog]) => ({
    name,
    stateful: false,
    credentialFields: ['api_key'],
    keepAliveIntervalMs: 0,
    catalog: jest.fn(typeof catalog === 'function' ? catalog : async () => catalog),
  }));
  const registry = new ProviderRegistry(adapters as unknown as AvatarProvider[]);
  const availability = {
    credentialsFor: jest.fn(async (tenant: string, provider: string) => {
      const source = sources[provider];
      return source ? { credentials: { api_key: `${source}-${source === 'tenant' ? tenant : 'platform'}-key` }, source } : null;
    }),
  };
  const useCase = new ListCatalogUseCase(registry, availability as unknown as ProviderAvailability, { CATALOG_CACHE_SECONDS: CACHE_SECONDS } as GatewayConfig);
  const catalogOf = (name: string) => adapters.find((a) => a.name === name)!.catalog;
  return { useCase, availability, catalogOf };
}

const AVATURN: ProviderCatalog = {
  avatars: [
    { id: 'av_2', name: 'Zoe' },
    { id: 'av_1', name: 'Anna', preview_url: 'https://cdn.example/anna.png' },
  ],
  voices: [{ id: 'av_v', name: 'Calm', language: 'en', gender: 'female' }],
};
const HEYGEN: ProviderCatalog = { avatars: [{ id: 'hg_1', name: 'Bob' }], voices: [] };

beforeEach(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('ListCatalogUseCase', () => {
  it('lists the avatars and voices of every available provider in one list, each entry naming its provider, sorted by provider then name', async () => {
    const t = setup({ avaturn: AVATURN, heygen: HEYGEN }, { avaturn: 'platform', heygen: 'tenant' });

    const catalog = await t.useCase.execute(TENANT, {});

    expect(catalog).toEqual({
      avatars: [
        { id: 'av_1', name: 'Anna', preview_url: 'https://cdn.example/anna.png', provider: 'avaturn' },
        { id: 'av_2', name: 'Zoe', provider: 'avaturn' },
        { id: 'hg_1', name: 'Bob', provider: 'heygen' },
      ],
      voices: [{ id: 'av_v', name: 'Calm', language: 'en', gender: 'female', provider: 'avaturn' }],
      unavailable: [],
    });
    expect(t.catalogOf('avaturn')).toHaveBeenCalledWith({ api_key: 'platform-platform-key' });
    expect(t.catalogOf('heygen')).toHaveBeenCalledWith({ api_key: `tenant-${TENANT}-key` });
  });

  it('skips providers the tenant cannot use, without asking their vendor', async () => {
    const t = setup({ avaturn: AVATURN, heygen: HEYGEN }, { heygen: 'platform' });

    const catalog = await t.useCase.execute(TENANT, {});

    expect(catalog.avatars.map((a) => a.provider)).toEqual(['heygen']);
    expect(catalog.unavailable).toEqual([]);
    expect(t.catalogOf('avaturn')).not.toHaveBeenCalled();
  });

  it('lists only the asked provider', async () => {
    const t = setup({ avaturn: AVATURN, heygen: HEYGEN }, { avaturn: 'platform', heygen: 'platform' });

    const catalog = await t.useCase.execute(TENANT, { provider: 'heygen' });

    expect(catalog.avatars).toEqual([{ id: 'hg_1', name: 'Bob', provider: 'heygen' }]);
    expect(t.catalogOf('avaturn')).not.toHaveBeenCalled();
    expect(t.availability.credentialsFor).toHaveBeenCalledTimes(1);
  });

  it('names a provider whose list failed in `unavailable` (with its typed code) and still lists the others', async () => {
    const t = setup(
      {
        avaturn: async () => {
          throw new ProviderError('avaturn: credentials refused', { kind: 'auth', provider: 'avaturn' });
        },
        heygen: HEYGEN,
        liveavatar: async () => {
          throw new Error('socket hang up');
        },
      },
      { avaturn: 'platform', heygen: 'platform', liveavatar: 'platform' },
    );

    const catalog = await t.useCase.execute(TENANT, {});

    expect(catalog.avatars.map((a) => a.id)).toEqual(['hg_1']);
    expect(catalog.unavailable).toEqual([
      { provider: 'avaturn', code: 'PROVIDER_AUTH_FAILED', message: 'avaturn: credentials refused' },
      { provider: 'liveavatar', code: 'PROVIDER_ERROR', message: 'socket hang up' },
    ]);
  });

  describe('the cache', () => {
    it('asks a vendor once per CATALOG_CACHE_SECONDS, and again after', async () => {
      jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
      const t = setup({ heygen: HEYGEN }, { heygen: 'platform' });

      await t.useCase.execute(TENANT, {});
      jest.advanceTimersByTime(CACHE_SECONDS * 1000 - 1);
      const cached = await t.useCase.execute(TENANT, {});
      expect(t.catalogOf('heygen')).toHaveBeenCalledTimes(1);
      expect(cached.avatars).toEqual([{ id: 'hg_1', name: 'Bob', provider: 'heygen' }]);

      jest.advanceTimersByTime(1);
      await t.useCase.execute(TENANT, {});
      expect(t.catalogOf('heygen')).toHaveBeenCalledTimes(2);
    });

    it("shares the list read with the platform's credentials between tenants", async () => {
      const t = setup({ heygen: HEYGEN }, { heygen: 'platform' });

      await t.useCase.execute(TENANT, {});
      await t.useCase.execute(OTHER_TENANT, {});

      expect(t.catalogOf('heygen')).toHaveBeenCalledTimes(1);
    });

    it("keeps a list read with a tenant's own credentials to that tenant", async () => {
      const t = setup({ heygen: HEYGEN }, { heygen: 'tenant' });

      await t.useCase.execute(TENANT, {});
      await t.useCase.execute(OTHER_TENANT, {});
      await t.useCase.execute(TENANT, {});

      expect(t.catalogOf('heygen').mock.calls).toEqual([[{ api_key: `tenant-${TENANT}-key` }], [{ api_key: `tenant-${OTHER_TENANT}-key` }]]);
    });

    it('does not keep a failure: the next request asks the vendor again', async () => {
      const t = setup({ heygen: HEYGEN }, { heygen: 'platform' });
      t.catalogOf('heygen').mockRejectedValueOnce(new ProviderError('heygen is down', { kind: 'unavailable', provider: 'heygen' }));

      const first = await t.useCase.execute(TENANT, {});
      const second = await t.useCase.execute(TENANT, {});

      expect(first.unavailable).toEqual([{ provider: 'heygen', code: 'PROVIDER_UNAVAILABLE', message: 'heygen is down' }]);
      expect(second.unavailable).toEqual([]);
      expect(second.avatars).toEqual([{ id: 'hg_1', name: 'Bob', provider: 'heygen' }]);
      expect(t.catalogOf('heygen')).toHaveBeenCalledTimes(2);
    });
  });

  it('lists at most 1000 avatars and 1000 voices of one provider', async () => {
    const many = (prefix: string) => Array.from({ length: 1500 }, (_, i) => ({ id: `${prefix}${i}`, name: `${prefix}${String(i).padStart(4, '0')}` }));
    const t = setup({ heygen: { avatars: many('a'), voices: many('v') }, avaturn: AVATURN }, { heygen: 'platform', avaturn: 'platform' });

    const catalog = await t.useCase.execute(TENANT, {});

    expect(catalog.avatars.filter((a) => a.provider === 'heygen')).toHaveLength(1000);
    expect(catalog.voices.filter((v) => v.provider === 'heygen')).toHaveLength(1000);
    // The cap is per provider: another provider's entries are all there.
    expect(catalog.avatars.filter((a) => a.provider === 'avaturn')).toHaveLength(2);
  });
});
