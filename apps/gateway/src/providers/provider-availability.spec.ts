import { PROVIDER_NAMES, TenantScopes } from '@avatar/contracts';
import { AvatarProvider, ProviderRegistry } from '@avatar/providers';
import type { ProviderCredentialsResolver } from '@avatar/tenancy';
import { caughtPlatformError } from '@avatar/testing';
import { ProviderAvailability } from './provider-availability';

const TENANT = TenantScopes.ofRecord('11111111-1111-4111-8111-111111111111');

/** What an adapter tells about itself; its vendor calls are never made here. */
const adapter = (name: string, credentialFields: string[], stateful = false) =>
  ({ name, credentialFields, stateful, keepAliveIntervalMs: 0, start: jest.fn(), connect: jest.fn(), stop: jest.fn(), catalog: jest.fn() }) as unknown as AvatarProvider;

const REGISTRY = new ProviderRegistry([
  adapter('local', []),
  adapter('avaturn', ['api_key']),
  adapter('liveavatar', ['api_key'], true),
  adapter('heygen', ['api_key']),
  adapter('spatialwalk', ['api_key', 'app_id'], true),
]);

/** `resolved`: what the resolver answers per vendor (missing: not configured). */
function setup(resolved: Record<string, { credentials: Record<string, string>; source: 'tenant' | 'platform' }>) {
  const resolver = { resolve: jest.fn(async (_tenant: unknown, vendor: string, _fields: readonly string[]) => resolved[vendor] ?? null) };
  const availability = new ProviderAvailability(REGISTRY, resolver as unknown as ProviderCredentialsResolver);
  return { availability, resolver };
}

describe('ProviderAvailability', () => {
  it("asks the resolver for the tenant's credentials with the fields the adapter needs", async () => {
    const t = setup({ spatialwalk: { credentials: { api_key: 'k', app_id: 'a' }, source: 'tenant' } });

    await expect(t.availability.credentialsFor(TENANT, 'spatialwalk')).resolves.toEqual({ credentials: { api_key: 'k', app_id: 'a' }, source: 'tenant' });

    expect(t.resolver.resolve).toHaveBeenCalledWith(TENANT, 'spatialwalk', ['api_key', 'app_id']);
  });

  it('lets a configured provider pass', async () => {
    const t = setup({ heygen: { credentials: { api_key: 'k' }, source: 'platform' } });

    await expect(t.availability.assertAvailable(TENANT, 'heygen')).resolves.toBeUndefined();
  });

  it('answers 422 PROVIDER_NOT_CONFIGURED naming the provider and the fields it needs', async () => {
    const t = setup({});

    const err = await caughtPlatformError(t.availability.assertAvailable(TENANT, 'spatialwalk'));

    expect(err.code).toBe('PROVIDER_NOT_CONFIGURED');
    expect(err.status).toBe(422);
    expect(err.details).toEqual({ provider: 'spatialwalk', needs: ['api_key', 'app_id'] });
    expect(err.message).toContain('spatialwalk');
  });

  it('lists every provider with whether it is available, whose credentials it would use, and whether it is stateful', async () => {
    const t = setup({
      local: { credentials: {}, source: 'platform' },
      avaturn: { credentials: { api_key: 't' }, source: 'tenant' },
      liveavatar: { credentials: { api_key: 'p' }, source: 'platform' },
    });

    const { providers } = await t.availability.list(TENANT);

    expect(providers).toEqual([
      { name: 'local', available: true, credentials: 'platform', stateful: false },
      { name: 'avaturn', available: true, credentials: 'tenant', stateful: false },
      { name: 'liveavatar', available: true, credentials: 'platform', stateful: true },
      { name: 'heygen', available: false, credentials: null, stateful: false },
      { name: 'spatialwalk', available: false, credentials: null, stateful: true },
    ]);
    expect(providers.map((p) => p.name)).toEqual([...PROVIDER_NAMES]);
    expect(t.resolver.resolve.mock.calls.every(([tenant]) => tenant === TENANT)).toBe(true);
  });
});
