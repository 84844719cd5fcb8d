import { Logger } from '@nestjs/common';
import { COMMANDS, PlatformError, TenantScopes } from '@avatar/contracts';
import { END_REASONS } from '@avatar/persistence';
import type { SessionRow, SessionsRepository, StopResult } from '@avatar/persistence';
import { CommandError } from '@avatar/messaging';
import type { CommandBus, EventPublisher } from '@avatar/messaging';
import { fakeEventPublisher, sessionRow } from '@avatar/testing';
import type { GatewayConfig } from '../../gateway-config';
import { StopSessionUseCase } from './stop-session.use-case';

const TENANT = TenantScopes.ofRecord('tenant-1');
const SESSION = 'session-1';
const SCOPE = { tenantId: TENANT, sessionId: SESSION };
const CONFIG = { COMMAND_TIMEOUT_MS: 4321 } as unknown as GatewayConfig;

/** A session stopped by its client after 72.5 seconds, billed 73. */
const stoppedRow = (overrides: Partial<SessionRow> = {}): SessionRow =>
  sessionRow({
    status: 'stopped',
    taskSeq: 3,
    providerSessionId: 'vendor-1',
    startedAt: new Date('2025-01-01T00:00:10Z'),
    endedAt: new Date('2025-01-01T00:01:22Z'),
    endReason: END_REASONS.CLIENT_STOP,
    durationMs: 72_500,
    billedSeconds: 73,
    ...overrides,
  });

function setup(result: StopResult) {
  const sessions = { stop: jest.fn().mockResolvedValue(result) };
  const commands = { request: jest.fn().mockResolvedValue({ interrupted_task_ids: [] }) };
  const events = fakeEventPublisher();
  const useCase = new StopSessionUseCase(
    sessions as unknown as SessionsRepository,
    commands as unknown as CommandBus,
    events as unknown as EventPublisher,
    CONFIG,
  );
  return { useCase, sessions, commands, events };
}

afterEach(() => jest.restoreAllMocks());

describe('StopSessionUseCase', () => {
  it('stops the session in the database first, as a client stop, and answers its billed duration in seconds', async () => {
    const t = setup({ outcome: 'stopped', session: stoppedRow() });

    await expect(t.useCase.execute(TENANT, SESSION)).resolves.toEqual({ status: 'stopped', duration: 72.5, billed_seconds: 73 });

    expect(t.sessions.stop).toHaveBeenCalledWith(TENANT, SESSION, 'client_stop');
    expect(t.sessions.stop.mock.invocationCallOrder[0]).toBeLessThan(t.commands.request.mock.invocationCallOrder[0]);
  });

  it('announces the reason the database recorded when the session was already due to end (here: idle)', async () => {
    const t = setup({ outcome: 'stopped', session: stoppedRow({ endReason: 'idle_timeout', durationMs: 60_000, billedSeconds: 60 }) });

    await expect(t.useCase.execute(TENANT, SESSION)).resolves.toEqual({ status: 'stopped', duration: 60, billed_seconds: 60 });

    expect(t.commands.request).toHaveBeenCalledWith(SCOPE, COMMANDS.STOP, { reason: 'idle_timeout' }, 4321);
    expect(t.events.publish).toHaveBeenCalledWith(SCOPE, { type: 'session.stopped', duration: 60, billed_seconds: 60, reason: 'idle_timeout' });
  });

  it('asks a worker to stop the provider session, then announces session.stopped with the duration', async () => {
    const t = setup({ outcome: 'stopped', session: stoppedRow() });

    await t.useCase.execute(TENANT, SESSION);

    expect(t.commands.request).toHaveBeenCalledWith(SCOPE, COMMANDS.STOP, { reason: 'client_stop' }, 4321);
    expect(t.events.publish).toHaveBeenCalledWith(SCOPE, { type: 'session.stopped', duration: 72.5, billed_seconds: 73, reason: 'client_stop' });
  });

  it('answers 0 seconds, billed 0, for a session that never started', async () => {
    const t = setup({ outcome: 'stopped', session: stoppedRow({ startedAt: null, durationMs: 0, billedSeconds: 0, providerSessionId: null }) });

    await expect(t.useCase.execute(TENANT, SESSION)).resolves.toEqual({ status: 'stopped', duration: 0, billed_seconds: 0 });
  });

  it('answers and announces the billed seconds the database fixed (a minimum charge here), not the rounded duration', async () => {
    const t = setup({ outcome: 'stopped', session: stoppedRow({ durationMs: 4_200, billedSeconds: 60 }) });

    await expect(t.useCase.execute(TENANT, SESSION)).resolves.toEqual({ status: 'stopped', duration: 4.2, billed_seconds: 60 });

    expect(t.events.publish).toHaveBeenCalledWith(SCOPE, { type: 'session.stopped', duration: 4.2, billed_seconds: 60, reason: 'client_stop' });
  });

  it('answers SESSION_NOT_FOUND for a session the tenant does not have', async () => {
    const t = setup({ outcome: 'not_found' });

    const err = await t.useCase.execute(TENANT, SESSION).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(PlatformError);
    expect((err as PlatformError).code).toBe('SESSION_NOT_FOUND');
    expect((err as PlatformError).details).toEqual({ session_id: SESSION });
    expect(t.commands.request).not.toHaveBeenCalled();
    expect(t.events.publish).not.toHaveBeenCalled();
  });

  it('answers the first stop duration again on a second stop, without telling workers or clients twice', async () => {
    const t = setup({ outcome: 'already_stopped', session: stoppedRow() });

    await expect(t.useCase.execute(TENANT, SESSION)).resolves.toEqual({ status: 'stopped', duration: 72.5, billed_seconds: 73 });

    expect(t.commands.request).not.toHaveBeenCalled();
    expect(t.events.publish).not.toHaveBeenCalled();
  });

  it('still answers stopped and announces it when no worker confirms the stop', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const t = setup({ outcome: 'stopped', session: stoppedRow() });
    t.commands.request.mockRejectedValue(new CommandError('NO_WORKER', 'no worker is running'));

    await expect(t.useCase.execute(TENANT, SESSION)).resolves.toEqual({ status: 'stopped', duration: 72.5, billed_seconds: 73 });

    expect(t.events.publish).toHaveBeenCalledWith(SCOPE, { type: 'session.stopped', duration: 72.5, billed_seconds: 73, reason: 'client_stop' });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('no worker is running'));
  });
});
