import { Logger } from '@nestjs/common';
import type { SessionRow, SessionsRepository } from '@avatar/persistence';
import type { ProviderRegistry } from '@avatar/providers';
import { sessionRow } from '@avatar/testing';
import type { InterruptSessionUseCase } from './interrupt-session.use-case';
import { StopProviderSessionUseCase } from './stop-provider-session.use-case';

const SCOPE = { tenantId: 'tenant-1', sessionId: 'session-1' };

/** A session its client stopped after a minute, still holding its vendor session. */
const stoppedRow = (overrides: Partial<SessionRow> = {}): SessionRow =>
  sessionRow({
    status: 'stopped',
    taskSeq: 2,
    providerSessionId: 'vendor-1',
    startedAt: new Date('2025-01-01T00:00:01Z'),
    endedAt: new Date('2025-01-01T00:01:01Z'),
    endReason: 'client_stop',
    durationMs: 60_000,
    ...overrides,
  });

function setup(session: SessionRow | null) {
  const sessions = { find: jest.fn().mockResolvedValue(session) };
  const provider = { name: 'local', start: jest.fn(), connect: jest.fn(), stop: jest.fn().mockResolvedValue(undefined) };
  const registry = { get: jest.fn().mockReturnValue(provider) };
  const interruptSession = { execute: jest.fn().mockResolvedValue({ interrupted_task_ids: ['t1', 't2'] }) };
  const useCase = new StopProviderSessionUseCase(
    sessions as unknown as SessionsRepository,
    registry as unknown as ProviderRegistry,
    interruptSession as unknown as InterruptSessionUseCase,
  );
  return { useCase, sessions, provider, registry, interruptSession };
}

afterEach(() => jest.restoreAllMocks());

describe('StopProviderSessionUseCase', () => {
  it('interrupts the session tasks as session_stopped and answers their ids', async () => {
    const t = setup(stoppedRow());

    await expect(t.useCase.execute(SCOPE, { reason: 'client_stop' })).resolves.toEqual({ interrupted_task_ids: ['t1', 't2'] });

    expect(t.interruptSession.execute).toHaveBeenCalledWith(SCOPE, { reason: 'session_stopped' });
  });

  it('stops the vendor session of the session provider with the stop reason', async () => {
    const t = setup(stoppedRow({ voiceId: 'v1' }));

    await t.useCase.execute(SCOPE, { reason: 'client_stop' });

    expect(t.sessions.find).toHaveBeenCalledWith('tenant-1', 'session-1');
    expect(t.registry.get).toHaveBeenCalledWith('local');
    expect(t.provider.stop).toHaveBeenCalledWith(
      { providerSessionId: 'vendor-1', spec: { tenantId: 'tenant-1', sessionId: 'session-1', avatarId: 'avatar_1', voiceId: 'v1', quality: 'medium' } },
      'client_stop',
    );
  });

  it('does not call the provider for a session that never got a vendor session', async () => {
    const t = setup(stoppedRow({ providerSessionId: null, startedAt: null }));

    await expect(t.useCase.execute(SCOPE, { reason: 'client_stop' })).resolves.toEqual({ interrupted_task_ids: ['t1', 't2'] });

    expect(t.provider.stop).not.toHaveBeenCalled();
  });

  it('does not call the provider for a session it cannot find', async () => {
    const t = setup(null);

    await t.useCase.execute(SCOPE, { reason: 'client_stop' });

    expect(t.registry.get).not.toHaveBeenCalled();
    expect(t.provider.stop).not.toHaveBeenCalled();
  });

  it('logs a vendor that fails to stop and still answers the interrupted tasks', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const t = setup(stoppedRow());
    t.provider.stop.mockRejectedValue(new Error('vendor down'));

    await expect(t.useCase.execute(SCOPE, { reason: 'client_stop' })).resolves.toEqual({ interrupted_task_ids: ['t1', 't2'] });

    expect(warn).toHaveBeenCalledWith(expect.stringContaining('vendor down'));
  });

  it('treats an unknown provider like a vendor that failed to stop', async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const t = setup(stoppedRow({ provider: 'gone' }));
    t.registry.get.mockImplementation(() => {
      throw new Error('unknown provider "gone"');
    });

    await expect(t.useCase.execute(SCOPE, { reason: 'client_stop' })).resolves.toEqual({ interrupted_task_ids: ['t1', 't2'] });
  });
});
