import type { NatsConnection } from '@nats-io/transport-node';
import { apiKeySubjects } from '@avatar/contracts';
import { encodeJson } from '@avatar/messaging';
import type { TenantsRepository } from '@avatar/persistence';
import type { GatewayConfig } from '../gateway-config';
import { ApiKeyCache } from './api-key-cache';

const TTL = 60_000;

function setup(lookup: (hash: string) => string | null = () => 'tenant-1') {
  const tenants = { tenantIdForKeyHash: jest.fn(async (hash: string) => lookup(hash)) };
  let onMessage: ((err: Error | null, msg: { subject: string; data: Uint8Array }) => void) | undefined;
  // nc.status(): an iterator the spec pushes connection events into.
  const statuses: Array<{ type: string }> = [];
  let wake: (() => void) | undefined;
  const status = async function* () {
    for (;;) {
      while (statuses.length > 0) yield statuses.shift()!;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };
  const connection = async (type: string) => {
    statuses.push({ type });
    wake?.();
    await new Promise((resolve) => setImmediate(resolve));
  };
  const nc = {
    status,
    subscribe: jest.fn((subject: string, opts: { callback: typeof onMessage }) => {
      onMessage = opts.callback;
      return { unsubscribe: jest.fn() };
    }),
  };
  const cache = new ApiKeyCache(tenants as unknown as TenantsRepository, nc as unknown as NatsConnection, { API_KEY_CACHE_TTL_MS: TTL } as GatewayConfig);
  cache.onApplicationBootstrap();
  const revoke = (hash: string) => onMessage!(null, { subject: apiKeySubjects.revoked('tenant-1'), data: encodeJson({ key_hash: hash }) });
  return { cache, tenants, nc, revoke, connection };
}

describe('ApiKeyCache', () => {
  it('looks a key up once and answers from memory until the TTL runs out', async () => {
    const t = setup();

    expect(await t.cache.tenantFor('h1', 1_000)).toBe('tenant-1');
    expect(await t.cache.tenantFor('h1', 1_000 + TTL - 1)).toBe('tenant-1');
    expect(t.tenants.tenantIdForKeyHash).toHaveBeenCalledTimes(1);

    await t.cache.tenantFor('h1', 1_000 + TTL);
    expect(t.tenants.tenantIdForKeyHash).toHaveBeenCalledTimes(2);
  });

  it('does not remember an unknown key: a key created a moment later works at once', async () => {
    let known = false;
    const t = setup(() => (known ? 'tenant-1' : null));

    expect(await t.cache.tenantFor('h1')).toBeNull();
    known = true;
    expect(await t.cache.tenantFor('h1')).toBe('tenant-1');
  });

  it('forgets a key as soon as its revocation is announced on NATS', async () => {
    let revoked = false;
    const t = setup(() => (revoked ? null : 'tenant-1'));
    expect(t.nc.subscribe).toHaveBeenCalledWith(apiKeySubjects.anyRevoked(), expect.anything());
    await t.cache.tenantFor('h1');

    revoked = true;
    t.revoke('h1');

    expect(await t.cache.tenantFor('h1')).toBeNull();
  });

  it('forgets every key when NATS reconnects (a revocation may have been published meanwhile), and only then', async () => {
    const t = setup();
    await t.cache.tenantFor('h1');
    await t.cache.tenantFor('h2');

    await t.connection('disconnect');
    await t.cache.tenantFor('h1');
    expect(t.tenants.tenantIdForKeyHash).toHaveBeenCalledTimes(2);

    await t.connection('reconnect');
    await t.cache.tenantFor('h1');
    await t.cache.tenantFor('h2');
    expect(t.tenants.tenantIdForKeyHash).toHaveBeenCalledTimes(4);
  });

  it('ignores a malformed revocation message', () => {
    const t = setup();
    expect(() => t.revoke(undefined as unknown as string)).not.toThrow();
  });
});
