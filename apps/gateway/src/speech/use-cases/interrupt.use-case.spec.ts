import { COMMANDS } from '@avatar/contracts';
import type { SessionRow, SessionsRepository } from '@avatar/persistence';
import { CommandError } from '@avatar/messaging';
import type { CommandBus } from '@avatar/messaging';
import { caughtPlatformError } from '@avatar/testing';
import type { GatewayConfig } from '../../gateway-config';
import { InterruptUseCase } from './interrupt.use-case';

const TENANT = 'tenant-1';
const SESSION = 'session-1';
const CONFIG = { COMMAND_TIMEOUT_MS: 999 } as unknown as GatewayConfig;

function setup(session: Partial<SessionRow> | null = { id: SESSION, status: 'active' }) {
  const sessions = { statusOf: jest.fn().mockResolvedValue(session?.status ?? null) };
  const commands = { request: jest.fn().mockResolvedValue({ interrupted_task_ids: ['t1', 't2'] }) };
  const useCase = new InterruptUseCase(sessions as unknown as SessionsRepository, commands as unknown as CommandBus, CONFIG);
  return { useCase, sessions, commands };
}

describe('InterruptUseCase', () => {
  it('asks a worker to interrupt the session for the client and answers the interrupted task ids', async () => {
    const t = setup();

    await expect(t.useCase.execute(TENANT, SESSION)).resolves.toEqual({ status: 'interrupted', interrupted_task_ids: ['t1', 't2'] });

    expect(t.sessions.statusOf).toHaveBeenCalledWith(TENANT, SESSION);
    expect(t.commands.request).toHaveBeenCalledWith({ tenantId: TENANT, sessionId: SESSION }, COMMANDS.INTERRUPT, { reason: 'client' }, 999);
  });

  it('answers SESSION_NOT_FOUND for a session the tenant does not have', async () => {
    const t = setup(null);

    const err = await caughtPlatformError(t.useCase.execute(TENANT, SESSION));

    expect(err.code).toBe('SESSION_NOT_FOUND');
    expect(t.commands.request).not.toHaveBeenCalled();
  });

  it.each(['created', 'stopped'] as const)('answers SESSION_NOT_ACTIVE for a %s session', async (status) => {
    const t = setup({ id: SESSION, status });

    const err = await caughtPlatformError(t.useCase.execute(TENANT, SESSION));

    expect(err.code).toBe('SESSION_NOT_ACTIVE');
    expect(err.details).toEqual({ session_id: SESSION, status });
    expect(t.commands.request).not.toHaveBeenCalled();
  });

  it('answers SERVICE_UNAVAILABLE when no worker answers', async () => {
    const t = setup();
    t.commands.request.mockRejectedValue(new CommandError('TIMEOUT', 'no worker answered interrupt within 999 ms'));

    const err = await caughtPlatformError(t.useCase.execute(TENANT, SESSION));

    expect(err.code).toBe('SERVICE_UNAVAILABLE');
    expect(err.details).toEqual({ reason: 'TIMEOUT' });
  });

  it('answers PROVIDER_ERROR when the worker handler failed', async () => {
    const t = setup();
    t.commands.request.mockRejectedValue(new CommandError('COMMAND_FAILED', 'db down'));

    const err = await caughtPlatformError(t.useCase.execute(TENANT, SESSION));

    expect(err.code).toBe('PROVIDER_ERROR');
  });
});
