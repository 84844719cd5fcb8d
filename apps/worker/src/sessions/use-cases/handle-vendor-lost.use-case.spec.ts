import { Logger } from '@nestjs/common';
import { TenantProviders, TenantScopes } from '@avatar/contracts';
import type { SessionRow, SessionsRepository, StopResult, TenantsRepository } from '@avatar/persistence';
import type { EventPublisher } from '@avatar/messaging';
import { AvatarProvider, ProviderError, ProviderRegistry, ProviderSessionSpec } from '@avatar/providers';
import { fakeEventPublisher, sessionRow } from '@avatar/testing';
import type { ProviderConnections, VendorLostListener } from '../../providers/provider-connections';
import type { ProviderSessionFields, ProviderSessions } from '../../providers/provider-sessions';
import type { StopProviderSessionUseCase } from './stop-provider-session.use-case';
import { HandleVendorLostUseCase, VendorLost } from './handle-vendor-lost.use-case';

const SCOPE = { tenantId: TenantScopes.ofRecord('tenant-1'), sessionId: 'session-1' };
const LOST: VendorLost = { scope: SCOPE, provider: 'heygen', providerSessionId: 'hg-1', error: new Error('vendor closed the session (idle)') };

const live = (overrides: Partial<SessionRow> = {}) =>
  sessionRow({ status: 'active', provider: 'heygen', providerSessionId: 'hg-1', avatarId: 'hg_avatar', voiceId: 'hg_voice', quality: 'high', startedAt: new Date('2026-01-01T00:00:00Z'), ...overrides });

const ENDED = live({ status: 'stopped', endReason: 'provider_ended', durationMs: 61_500, billedSeconds: 62, endedAt: new Date('2026-01-01T00:01:01.500Z') });

const vendor = (name: string, stateful = false) => ({
  name,
  stateful,
  credentialFields: [],
  keepAliveIntervalMs: 0,
  start: jest.fn(async () => ({ providerSessionId: `${name}-2`, state: stateful ? { ws_url: `wss://${name}` } : undefined })),
  connect: jest.fn(),
  stop: jest.fn(async () => undefined),
  catalog: jest.fn(),
});

/** The use case with the session `row` and the tenant's `providers` settings; vendors and repositories are fakes. */
function setup(row: SessionRow | null = live(), providers: TenantProviders = {}) {
  const vendors = { heygen: vendor('heygen'), avaturn: vendor('avaturn'), liveavatar: vendor('liveavatar', true), local: vendor('local') };
  const registry = new ProviderRegistry(Object.values(vendors) as unknown as AvatarProvider[]);
  const log: string[] = [];
  const sessions = {
    find: jest.fn(async () => row),
    stop: jest.fn(async (): Promise<StopResult> => (log.push('sessions.stop'), { outcome: 'stopped', session: ENDED })),
    switchProvider: jest.fn(async (_tenant: string, _session: string, _lost: string, _next: { provider: string; providerSessionId: string; providerState?: Record<string, string>; avatarId?: string; voiceId?: string }) => (log.push('switchProvider'), true)),
  };
  const tenants = { find: jest.fn(async () => ({ limits: {}, quotas: {}, billing: {}, providers })) };
  let listener: VendorLostListener | undefined;
  const connections = {
    onVendorLost: jest.fn((l: VendorLostListener) => void (listener = l)),
    openStarted: jest.fn(async () => void log.push('openStarted')),
    close: jest.fn(async () => void log.push('connections.close')),
  };
  const providerSessions = {
    spec: jest.fn(
      async (scope: typeof SCOPE, name: string, fields: ProviderSessionFields): Promise<ProviderSessionSpec> => ({
        tenantId: scope.tenantId,
        sessionId: scope.sessionId,
        avatarId: fields.avatarId,
        voiceId: fields.voiceId ?? undefined,
        quality: fields.quality,
        credentials: { api_key: `${name}-key` },
      }),
    ),
  };
  const events = fakeEventPublisher();
  events.publish.mockImplementation(async (scope, event) => (log.push(`event:${event.type}`), events.published.push({ scope, event })));
  const stopSession = { execute: jest.fn(async () => (log.push('stopSession'), { interrupted_task_ids: [] })) };
  const useCase = new HandleVendorLostUseCase(
    connections as unknown as ProviderConnections,
    sessions as unknown as SessionsRepository,
    tenants as unknown as TenantsRepository,
    registry,
    providerSessions as unknown as ProviderSessions,
    events as unknown as EventPublisher,
    stopSession as unknown as StopProviderSessionUseCase,
  );
  const lifecycle = () => events.published.map((p) => p.event);
  return { useCase, vendors, sessions, tenants, connections, providerSessions, events, stopSession, lifecycle, log, fire: (lost: VendorLost) => listener!(lost) };
}

const FAILOVER: TenantProviders = { failover_mid_session: true, failover: [{ provider: 'heygen' }, { provider: 'avaturn', avatar_id: 'av_avatar' }, { provider: 'local' }] };

beforeEach(() => {
  jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

describe('HandleVendorLostUseCase', () => {
  describe('ignores a loss that is not the session’s any more', () => {
    it.each([
      ['the session is gone', null],
      ['the session was stopped meanwhile', live({ status: 'stopped' })],
      ['another worker already moved it to another vendor session', live({ providerSessionId: 'av-9', provider: 'avaturn' })],
    ])('%s', async (_name, row) => {
      const t = setup(row, FAILOVER);

      await expect(t.useCase.execute(LOST)).resolves.toBe('ignored');

      expect(t.lifecycle()).toEqual([]);
      expect(t.sessions.stop).not.toHaveBeenCalled();
      expect(t.vendors.avaturn.start).not.toHaveBeenCalled();
    });
  });

  it('tells the client first (error PROVIDER_SESSION_LOST)', async () => {
    const t = setup();

    await t.useCase.execute(LOST);

    expect(t.lifecycle()[0]).toEqual({ type: 'error', code: 'PROVIDER_SESSION_LOST', message: 'the heygen session ended: vendor closed the session (idle)' });
    expect(t.log[0]).toBe('event:error');
  });

  describe('without failover_mid_session', () => {
    it('ends the session with provider_ended, then drops its tasks and connection and announces session.stopped', async () => {
      const t = setup(live(), { failover: FAILOVER.failover });

      await expect(t.useCase.execute(LOST)).resolves.toBe('ended');

      expect(t.sessions.stop).toHaveBeenCalledWith('tenant-1', 'session-1', 'provider_ended');
      expect(t.stopSession.execute).toHaveBeenCalledWith(SCOPE, { reason: 'provider_ended' });
      expect(t.connections.close).toHaveBeenCalledWith('session-1');
      expect(t.lifecycle().at(-1)).toEqual({ type: 'session.stopped', duration: 61.5, billed_seconds: 62, reason: 'provider_ended' });
      expect(t.log).toEqual(['event:error', 'sessions.stop', 'stopSession', 'connections.close', 'event:session.stopped']);
      expect(t.vendors.avaturn.start).not.toHaveBeenCalled();
    });

    it('announces nothing more when the session had already been stopped by someone else', async () => {
      const t = setup();
      t.sessions.stop.mockResolvedValue({ outcome: 'already_stopped', session: ENDED });

      await expect(t.useCase.execute(LOST)).resolves.toBe('ended');

      expect(t.stopSession.execute).not.toHaveBeenCalled();
      expect(t.lifecycle().map((e) => e.type)).toEqual(['error']);
    });

    it('ends the session for a tenant row that is gone (the defaults have no failover)', async () => {
      const t = setup();
      t.tenants.find.mockResolvedValue(null as never);

      await expect(t.useCase.execute(LOST)).resolves.toBe('ended');
    });
  });

  describe('with failover_mid_session', () => {
    it("moves the session to the next provider of the failover list (not the lost one), with the target's avatar", async () => {
      const t = setup(live(), FAILOVER);

      await expect(t.useCase.execute(LOST)).resolves.toBe('failed_over');

      expect(t.vendors.heygen.start).not.toHaveBeenCalled();
      expect(t.providerSessions.spec).toHaveBeenCalledWith(SCOPE, 'avaturn', { avatarId: 'av_avatar', voiceId: 'hg_voice', quality: 'high' });
      expect(t.vendors.avaturn.start).toHaveBeenCalledWith(expect.objectContaining({ avatarId: 'av_avatar', credentials: { api_key: 'avaturn-key' } }));
      expect(t.sessions.switchProvider).toHaveBeenCalledWith('tenant-1', 'session-1', 'hg-1', {
        provider: 'avaturn',
        providerSessionId: 'avaturn-2',
        providerState: undefined,
        avatarId: 'av_avatar',
        voiceId: 'hg_voice',
      });
      expect(t.vendors.local.start).not.toHaveBeenCalled();
      expect(t.sessions.stop).not.toHaveBeenCalled();
    });

    it('tells the client where it continues', async () => {
      const t = setup(live(), FAILOVER);

      await t.useCase.execute(LOST);

      expect(t.lifecycle()).toEqual([
        { type: 'error', code: 'PROVIDER_SESSION_LOST', message: expect.any(String) },
        { type: 'status', status: 'idle', message: 'Continuing on avaturn after heygen ended the session' },
      ]);
    });

    it('opens the connection of a stateful target here, and records its state', async () => {
      const t = setup(live(), { failover_mid_session: true, failover: [{ provider: 'liveavatar' }] });

      await t.useCase.execute(LOST);

      expect(t.connections.openStarted).toHaveBeenCalledWith('liveavatar', {
        spec: expect.objectContaining({ avatarId: 'hg_avatar' }),
        providerSessionId: 'liveavatar-2',
        state: { ws_url: 'wss://liveavatar' },
      });
      expect(t.sessions.switchProvider.mock.calls[0][3]).toMatchObject({ provider: 'liveavatar', providerState: { ws_url: 'wss://liveavatar' } });
      expect(t.log.indexOf('openStarted')).toBeLessThan(t.log.indexOf('switchProvider'));
    });

    it('tries the next target when one fails to start', async () => {
      const t = setup(live(), FAILOVER);
      t.vendors.avaturn.start.mockRejectedValue(new ProviderError('avaturn 503', { kind: 'unavailable', provider: 'avaturn' }));

      await expect(t.useCase.execute(LOST)).resolves.toBe('failed_over');

      expect(t.sessions.switchProvider.mock.calls[0][3]).toMatchObject({ provider: 'local', providerSessionId: 'local-2', avatarId: 'hg_avatar' });
    });

    it('ends the session (provider_ended, session.stopped) when every target fails', async () => {
      const t = setup(live(), FAILOVER);
      t.vendors.avaturn.start.mockRejectedValue(new Error('down'));
      t.vendors.local.start.mockRejectedValue(new Error('down too'));

      await expect(t.useCase.execute(LOST)).resolves.toBe('ended');

      expect(t.sessions.switchProvider).not.toHaveBeenCalled();
      expect(t.sessions.stop).toHaveBeenCalledWith('tenant-1', 'session-1', 'provider_ended');
      expect(t.stopSession.execute).toHaveBeenCalledWith(SCOPE, { reason: 'provider_ended' });
      expect(t.lifecycle().at(-1)).toMatchObject({ type: 'session.stopped', reason: 'provider_ended' });
    });

    it('ends the session when the failover list has only the lost provider', async () => {
      const t = setup(live(), { failover_mid_session: true, failover: [{ provider: 'heygen' }] });

      await expect(t.useCase.execute(LOST)).resolves.toBe('ended');

      expect(t.vendors.heygen.start).not.toHaveBeenCalled();
    });

    it('ends the vendor session it opened when the session was stopped or moved meanwhile', async () => {
      const t = setup(live(), FAILOVER);
      t.sessions.switchProvider.mockResolvedValue(false);

      await expect(t.useCase.execute(LOST)).resolves.toBe('failed_over');

      expect(t.vendors.avaturn.stop).toHaveBeenCalledWith({ spec: expect.objectContaining({ avatarId: 'av_avatar' }), providerSessionId: 'avaturn-2', state: undefined }, 'start_lost_race');
      expect(t.connections.close).toHaveBeenCalledWith('session-1');
      expect(t.lifecycle().map((e) => e.type)).toEqual(['error']);
      expect(t.sessions.stop).not.toHaveBeenCalled();
    });

    it('ends the vendor session it opened when its connection cannot be opened (else it bills on, nobody using it)', async () => {
      const t = setup(live(), { failover_mid_session: true, failover: [{ provider: 'liveavatar' }, { provider: 'local' }] });
      t.connections.openStarted.mockRejectedValue(new ProviderError('ws refused', { kind: 'connection', provider: 'liveavatar' }));

      await t.useCase.execute(LOST);

      expect(t.vendors.liveavatar.stop).toHaveBeenCalledWith(expect.objectContaining({ providerSessionId: 'liveavatar-2' }), expect.any(String));
      expect(t.sessions.switchProvider.mock.calls.map((call) => call[3]?.provider)).toEqual(['local']);
    });
  });

  it('handles the losses ProviderConnections reports, and logs (not throws) a failure to', async () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const t = setup();
    t.useCase.onModuleInit();

    t.fire(LOST);
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.sessions.stop).toHaveBeenCalledTimes(1);

    t.sessions.find.mockRejectedValue(new Error('db down'));
    t.fire(LOST);
    await new Promise((resolve) => setImmediate(resolve));
    expect(error).toHaveBeenCalledWith(expect.stringContaining('db down'));
  });
});
