import { TenantScopes, tenantSubjects } from '@avatar/contracts';
import type { TenantsRepository } from '@avatar/persistence';
import { fakeNatsConnection } from '@avatar/testing';
import type { GatewayConfig } from '../gateway-config';
import { TenantSettingsCache } from './tenant-settings.cache';

const TTL = 600_000;
const A = TenantScopes.ofRecord('tenant-a');
const B = TenantScopes.ofRecord('tenant-b');

function setup() {
  const stored: Record<string, { limits: unknown; quotas: unknown; billing: unknown; providers: unknown }> = {
    'tenant-a': { limits: { speak_per_minute: 5 }, quotas: {}, billing: {}, providers: {} },
    'tenant-b': { limits: { speak_per_minute: 7 }, quotas: {}, billing: {}, providers: {} },
  };
  const tenants = { find: jest.fn(async (id: string) => stored[id] ?? null) };
  const nats = fakeNatsConnection();
  const cache = new TenantSettingsCache(tenants as unknown as TenantsRepository, nats.nc, { TENANT_SETTINGS_CACHE_MS: TTL } as GatewayConfig);
  cache.onApplicationBootstrap();
  const changed = (tenantId: string) => nats.deliver(tenantSubjects.anyChanged(), tenantSubjects.changed(tenantId));
  return { cache, tenants, stored, nats, changed };
}

describe('TenantSettingsCache', () => {
  it("reads a tenant's settings once, over the defaults, and answers from memory until the backstop TTL", async () => {
    const t = setup();

    expect((await t.cache.settingsOf(A, 1_000)).limits).toMatchObject({ speak_per_minute: 5, sessions_per_minute: 10 });
    await t.cache.settingsOf(A, 1_000 + TTL - 1);
    expect(t.tenants.find).toHaveBeenCalledTimes(1);

    await t.cache.settingsOf(A, 1_000 + TTL);
    expect(t.tenants.find).toHaveBeenCalledTimes(2);
  });

  it('reads them again as soon as an administrator announces a change of that tenant, and only of that tenant', async () => {
    const t = setup();
    await t.cache.settingsOf(A);
    await t.cache.settingsOf(B);
    t.stored['tenant-a'] = { limits: { speak_per_minute: 50 }, quotas: {}, billing: {}, providers: {} };

    t.changed('tenant-a');

    expect((await t.cache.settingsOf(A)).limits.speak_per_minute).toBe(50);
    expect((await t.cache.settingsOf(B)).limits.speak_per_minute).toBe(7);
    expect(t.tenants.find).toHaveBeenCalledTimes(3);
  });

  it('forgets every tenant when NATS reconnects (a change may have been announced meanwhile)', async () => {
    const t = setup();
    await t.cache.settingsOf(A);
    await t.cache.settingsOf(B);

    await t.nats.connection('reconnect');
    await t.cache.settingsOf(A);
    await t.cache.settingsOf(B);

    expect(t.tenants.find).toHaveBeenCalledTimes(4);
  });

  it('answers the platform defaults for a tenant that is gone', async () => {
    const t = setup();

    expect((await t.cache.settingsOf(TenantScopes.ofRecord('gone'))).limits.speak_per_minute).toBe(30);
  });
});
