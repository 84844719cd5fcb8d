import { COMMANDS, PlatformError, TenantScopes } from '@avatar/contracts';
import type { SessionRow, SessionsRepository } from '@avatar/persistence';
import { CommandError } from '@avatar/messaging';
import type { CommandBus, EventPublisher } from '@avatar/messaging';
import { caughtPlatformError, fakeEventPublisher, sessionRow } from '@avatar/testing';
import type { GatewayConfig } from '../../gateway-config';
import { StartSessionUseCase } from './start-session.use-case';
import type { MonthlyMinutesQuota } from '../../usage/monthly-minutes.quota';

const TENANT = TenantScopes.ofRecord('tenant-1');
const SESSION = 'session-1';
const CONFIG = { COMMAND_TIMEOUT_MS: 1234 } as unknown as GatewayConfig;

function setup(session: SessionRow | null = sessionRow()) {
  const sessions = { find: jest.fn().mockResolvedValue(session), markStarted: jest.fn().mockResolvedValue(true) };
  const commands = { request: jest.fn().mockResolvedValue({ provider_session_id: 'vendor-1' }), broadcast: jest.fn() };
  const events = fakeEventPublisher();
  const monthlyMinutes = { assertAvailable: jest.fn().mockResolvedValue(undefined) };
  const useCase = new StartSessionUseCase(
    sessions as unknown as SessionsRepository,
    commands as unknown as CommandBus,
    events as unknown as EventPublisher,
    CONFIG,
    monthlyMinutes as unknown as MonthlyMinutesQuota,
  );
  return { useCase, sessions, commands, events, monthlyMinutes };
}

describe('StartSessionUseCase', () => {
  it('asks a worker to start the provider session with the session spec and the SDP offer', async () => {
    const t = setup(sessionRow({ voiceId: 'v1', quality: 'high' }));
    const sdp = { type: 'offer' as const, sdp: 'v=0' };

    await t.useCase.execute(TENANT, { session_id: SESSION, sdp });

    expect(t.commands.request).toHaveBeenCalledWith(
      { tenantId: TENANT, sessionId: SESSION },
      COMMANDS.START,
      { provider: 'local', avatar_id: 'avatar_1', voice_id: 'v1', quality: 'high', sdp },
      1234,
    );
  });

  it('marks the session started with the vendor id, announces it, and answers started', async () => {
    const t = setup();

    await expect(t.useCase.execute(TENANT, { session_id: SESSION })).resolves.toEqual({ status: 'started' });

    expect(t.sessions.markStarted).toHaveBeenCalledWith(TENANT, SESSION, 'vendor-1');
    expect(t.events.publishAll).toHaveBeenCalledWith({ tenantId: TENANT, sessionId: SESSION }, [
      { type: 'session.started' },
      { type: 'status', status: 'idle', message: 'Avatar is ready' },
    ]);
  });

  it('answers the provider SDP answer when there is one', async () => {
    const t = setup();
    const answer = { type: 'answer' as const, sdp: 'v=0 answer' };
    t.commands.request.mockResolvedValue({ provider_session_id: 'vendor-1', sdp: answer });

    await expect(t.useCase.execute(TENANT, { session_id: SESSION })).resolves.toEqual({ status: 'started', sdp: answer });
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

    await expect(t.useCase.execute(TENANT, { session_id: SESSION })).resolves.toEqual({ status: 'started' });

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

    await expect(t.useCase.execute(TENANT, { session_id: SESSION })).resolves.toEqual({ status: 'started' });

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
});
