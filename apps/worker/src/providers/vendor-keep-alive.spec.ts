import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { TenantScopes } from '@avatar/contracts';
import type { SessionRow, SessionsRepository } from '@avatar/persistence';
import { AvatarProvider, ProviderError, ProviderRegistry, ProviderSessionRef } from '@avatar/providers';
import { Metrics } from '@avatar/observability';
import { fakeLeaseRedis, sessionRow } from '@avatar/testing';
import type { WorkerConfig } from '../worker-config';
import type { ProviderConnections } from './provider-connections';
import type { ProviderSessions } from './provider-sessions';
import { VendorKeepAlive } from './vendor-keep-alive';

const SWEEP_MS = 15_000;
const HEYGEN_INTERVAL_MS = 60_000;

const adapter = (name: string, stateful: boolean, keepAliveIntervalMs: number) =>
  ({ name, stateful, keepAliveIntervalMs, credentialFields: [], start: jest.fn(), connect: jest.fn(), stop: jest.fn(), catalog: jest.fn() }) as unknown as AvatarProvider;

/** A REST vendor that ends idle sessions, a REST one that does not, and a stateful one (its owner's socket keeps it alive). */
const REGISTRY = new ProviderRegistry([adapter('heygen', false, HEYGEN_INTERVAL_MS), adapter('avaturn', false, 0), adapter('liveavatar', true, 30_000)]);

const active = (id: string, overrides: Partial<SessionRow> = {}) =>
  sessionRow({ id, tenantId: 'tenant-1', provider: 'heygen', status: 'active', providerSessionId: `hg-${id}`, startedAt: new Date('2026-01-01T00:00:00Z'), ...overrides });

/**
 * Workers sharing one Redis (the sweep's lease). `rows`: the sessions in the database
 * (activeOn answers the active ones on the asked providers, oldest first, `limit` of
 * them after `skip`); `held`: what each worker's ProviderConnections holds.
 */
function setup(rows: SessionRow[], held: Array<{ tenantId: string; sessionId: string }> = []) {
  const redis = fakeLeaseRedis();
  const sessions = {
    activeOn: jest.fn(async (providers: string[], limit: number, skip = 0) =>
      rows.filter((r) => r.status === 'active' && providers.includes(r.provider)).slice(skip, skip + limit),
    ),
    find: jest.fn(async (_tenant: string, id: string) => rows.find((r) => r.id === id) ?? null),
  };
  const keptAlive: string[] = [];
  const worker = () => {
    const connections = {
      get: jest.fn(async (_provider: string, ref: ProviderSessionRef) => ({
        keepAlive: jest.fn(async () => void keptAlive.push(ref.spec.sessionId)),
      })),
      heldSessions: jest.fn(() => held.map((h) => ({ tenantId: TenantScopes.ofRecord(h.tenantId), sessionId: h.sessionId }))),
      close: jest.fn(async () => undefined),
    };
    const providerSessions = {
      ref: jest.fn(async (scope: { tenantId: string; sessionId: string }, _provider: string, row: SessionRow) => ({
        spec: { tenantId: scope.tenantId, sessionId: scope.sessionId, avatarId: row.avatarId, quality: row.quality, credentials: {} },
        providerSessionId: row.providerSessionId ?? '',
      })),
    };
    const metrics = new Metrics('worker', { processMetrics: false });
    const keepAlive = new VendorKeepAlive(
      sessions as unknown as SessionsRepository,
      REGISTRY,
      connections as unknown as ProviderConnections,
      providerSessions as unknown as ProviderSessions,
      redis as unknown as Redis,
      { KEEPALIVE_SWEEP_MS: SWEEP_MS } as WorkerConfig,
      metrics,
    );
    return { keepAlive, connections, providerSessions, metrics };
  };
  return { sessions, keptAlive, a: worker(), b: worker() };
}

beforeEach(() => {
  jest.useFakeTimers({ now: new Date('2026-01-01T00:10:00Z') });
  jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
});
afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('VendorKeepAlive', () => {
  describe('keep-alive', () => {
    it('keeps alive the active sessions of REST vendors that need it, and only those', async () => {
      const t = setup([active('s1'), active('s2'), active('s3', { provider: 'avaturn' }), active('s4', { provider: 'liveavatar' })]);

      await expect(t.a.keepAlive.tick()).resolves.toEqual({ keptAlive: 2, closed: 0 });

      expect(t.sessions.activeOn.mock.calls.map((call) => call[0])).toEqual([['heygen']]);
      expect(t.keptAlive).toEqual(['s1', 's2']);
      expect(t.a.connections.get).toHaveBeenCalledWith('heygen', expect.objectContaining({ providerSessionId: 'hg-s1' }));
      expect(t.a.providerSessions.ref).toHaveBeenCalledWith({ tenantId: 'tenant-1', sessionId: 's1' }, 'heygen', expect.objectContaining({ id: 's1' }));
    });

    it('asks nothing when no vendor needs a keep-alive', async () => {
      const t = setup([active('s1')]);
      const quiet = new VendorKeepAlive(
        t.sessions as unknown as SessionsRepository,
        new ProviderRegistry([adapter('avaturn', false, 0), adapter('liveavatar', true, 30_000)]),
        t.a.connections as unknown as ProviderConnections,
        t.a.providerSessions as unknown as ProviderSessions,
        fakeLeaseRedis() as unknown as Redis,
        { KEEPALIVE_SWEEP_MS: SWEEP_MS } as WorkerConfig,
        new Metrics('worker', { processMetrics: false }),
      );

      await expect(quiet.tick()).resolves.toEqual({ keptAlive: 0, closed: 0 });

      expect(t.sessions.activeOn).not.toHaveBeenCalled();
    });

    it('is sent by the worker holding the sweep lease only', async () => {
      const t = setup([active('s1')]);

      await t.a.keepAlive.tick();
      jest.advanceTimersByTime(HEYGEN_INTERVAL_MS);
      await expect(t.b.keepAlive.tick()).resolves.toEqual({ keptAlive: 0, closed: 0 });

      expect(t.keptAlive).toEqual(['s1']);
      expect(t.b.connections.get).not.toHaveBeenCalled();
    });

    it("is spaced by the vendor's interval: not on every sweep, and never later than the interval", async () => {
      const t = setup([active('s1')]);
      const sentAt: number[] = [];
      const start = Date.now();

      for (let elapsed = 0; elapsed <= 4 * HEYGEN_INTERVAL_MS; elapsed += SWEEP_MS) {
        const before = t.keptAlive.length;
        await t.a.keepAlive.tick();
        if (t.keptAlive.length > before) sentAt.push(Date.now() - start);
        jest.advanceTimersByTime(SWEEP_MS);
      }

      expect(sentAt.length).toBeGreaterThan(1);
      expect(sentAt.length).toBeLessThan(17); // not every sweep
      const gaps = sentAt.slice(1).map((at, i) => at - sentAt[i]);
      for (const gap of gaps) {
        expect(gap).toBeLessThanOrEqual(HEYGEN_INTERVAL_MS);
        expect(gap).toBeGreaterThanOrEqual(HEYGEN_INTERVAL_MS - SWEEP_MS);
      }
    });

    it('tries a failed keep-alive again on the next sweep and still serves the other sessions', async () => {
      const t = setup([active('s1'), active('s2')]);
      t.a.connections.get.mockRejectedValueOnce(new Error('heygen 503'));

      await expect(t.a.keepAlive.tick()).resolves.toEqual({ keptAlive: 1, closed: 0 });
      expect(t.keptAlive).toEqual(['s2']);

      jest.advanceTimersByTime(SWEEP_MS);
      await t.a.keepAlive.tick();

      expect(t.keptAlive).toEqual(['s2', 's1']);
    });

    it('counts a keep-alive the vendor failed by provider and error code (not a failure of ours)', async () => {
      const t = setup([active('s1'), active('s2'), active('s3')]);
      t.a.connections.get
        .mockRejectedValueOnce(new ProviderError('heygen 503', { kind: 'unavailable', provider: 'heygen' }))
        .mockRejectedValueOnce(new Error('database blip'));

      await t.a.keepAlive.tick();

      expect(await t.a.metrics.values('providerErrors')).toEqual([{ labels: { provider: 'heygen', operation: 'keep_alive', code: 'PROVIDER_UNAVAILABLE' }, value: 1 }]);
    });

    it('reaches every active session, also past one batch of them', async () => {
      const rows = Array.from({ length: 501 }, (_, i) => active(`s${i}`));
      const t = setup(rows);

      await t.a.keepAlive.tick();
      jest.advanceTimersByTime(SWEEP_MS);
      await t.a.keepAlive.tick();

      expect(new Set(t.keptAlive).size).toBe(501);
    });
  });

  describe('closing what outlived its session', () => {
    it('closes the connections it holds for sessions that stopped or are gone, on every worker', async () => {
      const rows = [active('s1'), active('s2', { status: 'stopped' })];
      const held = [
        { tenantId: 'tenant-1', sessionId: 's1' },
        { tenantId: 'tenant-1', sessionId: 's2' },
        { tenantId: 'tenant-1', sessionId: 'gone' },
      ];
      const t = setup(rows, held);
      await t.a.keepAlive.tick(); // a holds the sweep lease; b does not

      await expect(t.b.keepAlive.tick()).resolves.toEqual({ keptAlive: 0, closed: 2 });

      expect(t.b.connections.close.mock.calls).toEqual([['s2'], ['gone']]);
      expect(t.sessions.find).toHaveBeenCalledWith('tenant-1', 's1');
    });

    it('closes nothing while every held session is active, or still being started (created until the gateway records the start)', async () => {
      const t = setup([active('s1'), active('s2', { status: 'created', startedAt: null })], [
        { tenantId: 'tenant-1', sessionId: 's1' },
        { tenantId: 'tenant-1', sessionId: 's2' },
      ]);

      await expect(t.a.keepAlive.tick()).resolves.toMatchObject({ closed: 0 });

      expect(t.a.connections.close).not.toHaveBeenCalled();
    });
  });

  it('sweeps every KEEPALIVE_SWEEP_MS once bootstrapped, one pass at a time, and stops at shutdown', async () => {
    const t = setup([active('s1')]);
    const tick = jest.spyOn(t.a.keepAlive, 'tick');
    t.a.keepAlive.onApplicationBootstrap();

    await jest.advanceTimersByTimeAsync(3 * SWEEP_MS);
    expect(tick).toHaveBeenCalledTimes(3);

    await t.a.keepAlive.onApplicationShutdown();
    await jest.advanceTimersByTimeAsync(3 * SWEEP_MS);
    expect(tick).toHaveBeenCalledTimes(3);
  });
});
