import { TenantScopes } from '@avatar/contracts';
import { ProviderCredentialsResolver } from './provider-credentials.resolver';
import { VendorCredentialsReader } from './vendor-credentials';

const TENANT = TenantScopes.ofRecord('11111111-1111-4111-8111-111111111111');

function resolver(stored: Record<string, Record<string, string>>, platform: Record<string, Record<string, string>>) {
  const reader = { credentialsFor: jest.fn(async (_t: unknown, vendor: string) => stored[vendor] ?? null) } as unknown as VendorCredentialsReader;
  return new ProviderCredentialsResolver(reader, platform);
}

describe('ProviderCredentialsResolver', () => {
  it("prefers the tenant's stored credentials over the platform's", async () => {
    const r = resolver({ heygen: { api_key: 'tenant-key' } }, { heygen: { api_key: 'platform-key' } });
    await expect(r.resolve(TENANT, 'heygen', ['api_key'])).resolves.toEqual({ credentials: { api_key: 'tenant-key' }, source: 'tenant' });
  });

  it("falls back to the platform's when the tenant stored none, or stored them without a needed field", async () => {
    const r = resolver({ spatialwalk: { api_key: 'k' } }, { spatialwalk: { api_key: 'pk', app_id: 'pa' }, heygen: { api_key: 'ph' } });
    await expect(r.resolve(TENANT, 'heygen', ['api_key'])).resolves.toEqual({ credentials: { api_key: 'ph' }, source: 'platform' });
    await expect(r.resolve(TENANT, 'spatialwalk', ['api_key', 'app_id'])).resolves.toEqual({ credentials: { api_key: 'pk', app_id: 'pa' }, source: 'platform' });
  });

  it('answers null when neither has every field: the provider is unavailable', async () => {
    const r = resolver({ spatialwalk: { api_key: 'k' } }, { spatialwalk: { api_key: 'pk', app_id: '' } });
    await expect(r.resolve(TENANT, 'spatialwalk', ['api_key', 'app_id'])).resolves.toBeNull();
    await expect(r.resolve(TENANT, 'avaturn', ['api_key'])).resolves.toBeNull();
  });

  it('needs nothing for a provider without credentials (local)', async () => {
    await expect(resolver({}, {}).resolve(TENANT, 'local', [])).resolves.toEqual({ credentials: {}, source: 'platform' });
  });
});
