import { COMMANDS, PlatformError, TenantScopes } from '@avatar/contracts';
import type { SessionRow, SessionsRepository } from '@avatar/persistence';
import { CommandError } from '@avatar/messaging';
import type { CommandBus, EventPublisher } from '@avatar/messaging';
import { caughtPlatformError, fakeEventPublisher, sessionRow } from '@avatar/testing';
import type { GatewayConfig } from '../../gateway-config';
import { StartSessionUseCase } from './start-session.use-case';
import type { MonthlyMinutesQuota } from '../../usage/monthly-minutes.quota';
import type { TenantSettingsCache } from '../../tenancy/tenant-settings.cache';
import type { StartCommand, TenantProviders } from '@avatar/contracts';

const TENANT = TenantScopes.ofRecord('tenant-1');
const SESSION = 'session-1';
// START waits for the vendor (PROVIDER_START_TIMEOUT_MS), not for the short command timeout.
const CONFIG = { COMMAND_TIMEOUT_MS: 1234, PROVIDER_START_TIMEOUT_MS: 45_678 } as unknown as GatewayConfig;
/** The worker's reply when the session's own provider served. */
const REPLY = { provider: 'local', avatar_id: 'avatar_1', provider_session_id: 'vendor-1' };

function setup(session: SessionRow | null = sessionRow(), providers: TenantProviders = {}) {
  const sessions = { find: jest.fn().mockResolvedValue(session), markStarted: jest.fn().mockResolvedValue(true) };
  const commands = { request: jest.fn().mockResolvedValue(REPLY), broadcast: jest.fn() };
  const events = fakeEventPublisher();
  const monthlyMinutes = { assertAvailable: jest.fn().mockResolvedValue(undefined) };
  const tenantSettings = { settingsOf: jest.fn(async () => ({ providers })) };
  const useCase = new StartSessionUseCase(
    sessions as unknown as SessionsRepository,
    commands as unknown as CommandBus,
    events as unknown as EventPublisher,
    CONFIG,
    monthlyMinutes as unknown as MonthlyMinutesQuota,
    tenantSettings as unknown as TenantSettingsCache,
  );
  /** The START command the worker was sent. */
  const startCommand = () => commands.request.mock.calls[0][2] as StartCommand;
  return { useCase, sessions, commands, events, monthlyMinutes, tenantSettings, startCommand };
}

describe('StartSessionUseCase', () => {
  it('asks a worker to start the provider session with the session spec and the SDP offer, waiting PROVIDER_START_TIMEOUT_MS', async () => {
    const t = setup(sessionRow({ voiceId: 'v1', quality: 'high' }));
    const sdp = { type: 'offer' as const, sdp: 'v=0' };

    await t.useCase.execute(TENANT, { session_id: SESSION, sdp });

    expect(t.commands.request).toHaveBeenCalledWith(
      { tenantId: TENANT, sessionId: SESSION },
      COMMANDS.START,
      { provider: 'local', fallbacks: [], avatar_id: 'avatar_1', voice_id: 'v1', quality: 'high', sdp },
      45_678,
    );
  });

  it('marks the session started with what the reply says served it, announces it, and answers started with the provider', async () => {
    const t = setup();

    await expect(t.useCase.execute(TENANT, { session_id: SESSION })).resolves.toEqual({ status: 'started', provider: 'local' });

    expect(t.sessions.markStarted).toHaveBeenCalledWith(TENANT, SESSION, {
      provider: 'local',
      providerSessionId: 'vendor-1',
      providerState: undefined,
      avatarId: 'avatar_1',
      voiceId: undefined,
    });
    expect(t.events.publishAll).toHaveBeenCalledWith({ tenantId: TENANT, sessionId: SESSION }, [
      { type: 'session.started' },
      { type: 'status', status: 'idle', message: 'Avatar is ready' },
    ]);
  });

  it('answers the provider SDP answer when there is one', async () => {
    const t = setup();
    const answer = { type: 'answer' as const, sdp: 'v=0 answer' };
    t.commands.request.mockResolvedValue({ ...REPLY, sdp: answer });

    await expect(t.useCase.execute(TENANT, { session_id: SESSION })).resolves.toEqual({ status: 'started', sdp: answer, provider: 'local' });
  });

  it('answers SESSION_NOT_FOUND for a session the tenant does not have, without asking a worker', async () => {
    const t = setup(null);

    const err = await caughtPlatformError(t.useCase.execute(TENANT, { session_id: SESSION }));

    expect(err.code).toBe('SESSION_NOT_FOUND');
    expect(err.status).toBe(404);
    expect(t.sessions.find).toHaveBeenCalledWith(TENANT, SESSION);
    expect(t.commands.request).not.toHaveBeenCalled();
  });

  it('answers started for an already active session without starting it again', async () => {
    const t = setup(sessionRow({ status: 'active', providerSessionId: 'vendor-0' }));

    await expect(t.useCase.execute(TENANT, { session_id: SESSION })).resolves.toEqual({ status: 'started', provider: 'local' });

    expect(t.commands.request).not.toHaveBeenCalled();
    expect(t.events.publishAll).not.toHaveBeenCalled();
  });

  it('refuses a stopped session with SESSION_NOT_ACTIVE', async () => {
    const t = setup(sessionRow({ status: 'stopped' }));

    const err = await caughtPlatformError(t.useCase.execute(TENANT, { session_id: SESSION }));

    expect(err.code).toBe('SESSION_NOT_ACTIVE');
    expect(err.details).toEqual({ session_id: SESSION, status: 'stopped' });
    expect(t.commands.request).not.toHaveBeenCalled();
  });

  it.each([
    ['NO_WORKER', 'SERVICE_UNAVAILABLE'],
    ['TIMEOUT', 'SERVICE_UNAVAILABLE'],
    ['PROVIDER_REFUSED', 'PROVIDER_ERROR'],
  ])('maps a %s command failure to %s and leaves the session unstarted', async (commandCode, platformCode) => {
    const t = setup();
    t.commands.request.mockRejectedValue(new CommandError(commandCode, 'nope'));

    const err = await caughtPlatformError(t.useCase.execute(TENANT, { session_id: SESSION }));

    expect(err.code).toBe(platformCode);
    expect(err.details).toEqual({ reason: commandCode });
    expect(t.sessions.markStarted).not.toHaveBeenCalled();
    expect(t.events.publishAll).not.toHaveBeenCalled();
  });

  it('maps an unexpected failure of the request to INTERNAL_ERROR', async () => {
    const t = setup();
    t.commands.request.mockRejectedValue(new Error('socket closed'));

    const err = await caughtPlatformError(t.useCase.execute(TENANT, { session_id: SESSION }));

    expect(err.code).toBe('INTERNAL_ERROR');
    expect(err.message).not.toContain('socket closed');
  });

  it('answers started, without announcing again, when a concurrent start won the race', async () => {
    const t = setup();
    t.sessions.markStarted.mockResolvedValue(false);
    t.sessions.find.mockResolvedValueOnce(sessionRow()).mockResolvedValueOnce(sessionRow({ status: 'active' }));

    await expect(t.useCase.execute(TENANT, { session_id: SESSION })).resolves.toEqual({ status: 'started', provider: 'local' });

    expect(t.events.publishAll).not.toHaveBeenCalled();
    // The vendor session opened for this losing request is released, not leaked.
    expect(t.commands.broadcast).toHaveBeenCalledWith({ tenantId: TENANT, sessionId: SESSION }, 'release', { provider: 'local', provider_session_id: 'vendor-1' });
  });

  it('answers SESSION_NOT_ACTIVE when a stop came in while the provider session was starting', async () => {
    const t = setup();
    t.sessions.markStarted.mockResolvedValue(false);
    t.sessions.find.mockResolvedValueOnce(sessionRow()).mockResolvedValueOnce(sessionRow({ status: 'stopped' }));

    const err = await caughtPlatformError(t.useCase.execute(TENANT, { session_id: SESSION }));

    expect(err.code).toBe('SESSION_NOT_ACTIVE');
    expect(err.details).toEqual({ session_id: SESSION, status: 'stopped' });
    expect(t.events.publishAll).not.toHaveBeenCalled();
    expect(t.commands.broadcast).toHaveBeenCalledWith({ tenantId: TENANT, sessionId: SESSION }, 'release', { provider: 'local', provider_session_id: 'vendor-1' });
  });

  it('starts nothing once the month’s minutes are used up: no provider session, no billing', async () => {
    const t = setup();
    const exhausted = new PlatformError('QUOTA_EXCEEDED', 'monthly minutes used up', { quota: 'monthly_minutes' });
    t.monthlyMinutes.assertAvailable.mockRejectedValue(exhausted);

    await expect(t.useCase.execute(TENANT, { session_id: SESSION })).rejects.toBe(exhausted);

    expect(t.monthlyMinutes.assertAvailable).toHaveBeenCalledWith(TENANT);
    expect(t.commands.request).not.toHaveBeenCalled();
    expect(t.sessions.markStarted).not.toHaveBeenCalled();
  });

  it('answers started for an active session without looking at the monthly minutes (the enforcer stops it)', async () => {
    const t = setup(sessionRow({ status: 'active' }));

    await t.useCase.execute(TENANT, { session_id: SESSION });

    expect(t.monthlyMinutes.assertAvailable).not.toHaveBeenCalled();
  });

  it('keeps the typed code and details (retry_after included) of a vendor failure', async () => {
    const t = setup();
    const details = { provider: 'heygen', kind: 'rate_limited', retryable: true, retry_after: 30 };
    t.commands.request.mockRejectedValue(new CommandError('PROVIDER_RATE_LIMITED', 'slow down', details));

    const err = await caughtPlatformError(t.useCase.execute(TENANT, { session_id: SESSION }));

    expect(err.code).toBe('PROVIDER_RATE_LIMITED');
    expect(err.status).toBe(429);
    expect(err.details).toEqual(details);
    expect(t.sessions.markStarted).not.toHaveBeenCalled();
  });

  describe('a vendor provider', () => {
    const vendorSession = (overrides: Partial<SessionRow> = {}) => sessionRow({ provider: 'heygen', avatarId: 'hg_avatar', ...overrides });

    it("records the provider, avatar and voice that served (a failover target's), and its state for other workers", async () => {
      const t = setup(vendorSession());
      t.commands.request.mockResolvedValue({
        provider: 'avaturn',
        avatar_id: 'av_avatar',
        voice_id: 'av_voice',
        provider_session_id: 'av-1',
        provider_state: { token: 'secret' },
      });

      await t.useCase.execute(TENANT, { session_id: SESSION });

      expect(t.sessions.markStarted).toHaveBeenCalledWith(TENANT, SESSION, {
        provider: 'avaturn',
        providerSessionId: 'av-1',
        providerState: { token: 'secret' },
        avatarId: 'av_avatar',
        voiceId: 'av_voice',
      });
    });

    it('answers the provider that served, what the frontend needs from it and the providers it failed over from, never the provider state', async () => {
      const t = setup(vendorSession());
      const failedOver = [{ provider: 'heygen', code: 'PROVIDER_CAPACITY', message: 'too many sessions' }];
      t.commands.request.mockResolvedValue({
        provider: 'avaturn',
        avatar_id: 'av_avatar',
        provider_session_id: 'av-1',
        provider_state: { token: 'secret' },
        client_session: { token: 'for-the-sdk' },
        failed_over: failedOver,
      });

      const answer = await t.useCase.execute(TENANT, { session_id: SESSION });

      expect(answer).toEqual({ status: 'started', provider: 'avaturn', provider_session: { token: 'for-the-sdk' }, failed_over: failedOver });
    });

    it('releases the vendor session a losing start opened with its state, so its owner can reach it', async () => {
      const t = setup(vendorSession());
      t.commands.request.mockResolvedValue({ provider: 'heygen', avatar_id: 'hg_avatar', provider_session_id: 'hg-2', provider_state: { url: 'wss://x' } });
      t.sessions.markStarted.mockResolvedValue(false);
      t.sessions.find.mockResolvedValueOnce(vendorSession()).mockResolvedValueOnce(vendorSession({ status: 'active' }));

      await t.useCase.execute(TENANT, { session_id: SESSION });

      expect(t.commands.broadcast).toHaveBeenCalledWith({ tenantId: TENANT, sessionId: SESSION }, 'release', {
        provider: 'heygen',
        provider_session_id: 'hg-2',
        provider_state: { url: 'wss://x' },
      });
    });

    it('passes the conversation engine stored with the session as provider options', async () => {
      const engine = { type: 'openai-realtime', client_secret: 'ek_1' };
      const t = setup(vendorSession({ provider: 'avaturn', providerOptions: { conversation_engine: engine } }));

      await t.useCase.execute(TENANT, { session_id: SESSION });

      expect(t.startCommand().provider_options).toEqual({ conversation_engine: engine });
    });

    it.each(['avaturn', 'liveavatar', 'heygen', 'spatialwalk'])('answers 400 VALIDATION_ERROR for an SDP offer to %s, before any command or quota check', async (provider) => {
      const t = setup(vendorSession({ provider }));

      const err = await caughtPlatformError(t.useCase.execute(TENANT, { session_id: SESSION, sdp: { type: 'offer', sdp: 'v=0' } }));

      expect(err.code).toBe('VALIDATION_ERROR');
      expect(err.status).toBe(400);
      expect(err.details).toEqual({ fields: [{ field: 'sdp', message: `not supported by provider ${provider}` }] });
      expect(t.commands.request).not.toHaveBeenCalled();
      expect(t.monthlyMinutes.assertAvailable).not.toHaveBeenCalled();
      expect(t.sessions.markStarted).not.toHaveBeenCalled();
    });
  });

  describe("the tenant's failover list", () => {
    const FAILOVER: TenantProviders['failover'] = [
      { provider: 'heygen', avatar_id: 'hg_avatar' },
      { provider: 'avaturn', avatar_id: 'av_avatar', voice_id: 'av_voice' },
      { provider: 'local' },
    ];

    it("sends the tenant's failover targets in order, without the session's own provider", async () => {
      const t = setup(sessionRow({ provider: 'heygen' }), { failover: FAILOVER });

      await t.useCase.execute(TENANT, { session_id: SESSION });

      expect(t.tenantSettings.settingsOf).toHaveBeenCalledWith(TENANT);
      expect(t.startCommand().provider).toBe('heygen');
      expect(t.startCommand().fallbacks).toEqual([
        { provider: 'avaturn', avatar_id: 'av_avatar', voice_id: 'av_voice' },
        { provider: 'local' },
      ]);
    });

    it('sends no fallbacks when the tenant has no failover list', async () => {
      const t = setup(sessionRow({ provider: 'heygen' }));

      await t.useCase.execute(TENANT, { session_id: SESSION });

      expect(t.startCommand().fallbacks).toEqual([]);
    });

    it('keeps only providers that take a conversation engine when the session has one', async () => {
      const t = setup(sessionRow({ provider: 'local', providerOptions: { conversation_engine: { type: 'openai-realtime', client_secret: 'ek_1' } } }), {
        failover: [{ provider: 'heygen' }, { provider: 'avaturn' }, { provider: 'spatialwalk' }],
      });

      await t.useCase.execute(TENANT, { session_id: SESSION });

      expect(t.startCommand().fallbacks).toEqual([{ provider: 'avaturn' }]);
    });

    it('keeps only providers that take an SDP offer when the request has one', async () => {
      const t = setup(sessionRow({ provider: 'local' }), { failover: [{ provider: 'heygen' }, { provider: 'avaturn' }, { provider: 'liveavatar' }] });

      await t.useCase.execute(TENANT, { session_id: SESSION, sdp: { type: 'offer', sdp: 'v=0' } });

      expect(t.startCommand().fallbacks).toEqual([]);
    });

    it('keeps every other provider when the session has neither', async () => {
      const t = setup(sessionRow({ provider: 'local' }), { failover: [{ provider: 'heygen' }, { provider: 'avaturn' }, { provider: 'liveavatar' }, { provider: 'spatialwalk' }] });

      await t.useCase.execute(TENANT, { session_id: SESSION });

      expect(t.startCommand().fallbacks!.map((f) => f.provider)).toEqual(['heygen', 'avaturn', 'liveavatar', 'spatialwalk']);
    });
  });
});
