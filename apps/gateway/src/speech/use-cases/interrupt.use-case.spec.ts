import { TenantScopes } from '@avatar/contracts';
import type { InterruptedTask, SessionInterrupt, SpeechTasksRepository } from '@avatar/persistence';
import type { InterruptDispatcher } from '@avatar/speech';
import { caughtPlatformError } from '@avatar/testing';
import { InterruptUseCase } from './interrupt.use-case';

const TENANT = TenantScopes.ofRecord('tenant-1');
const SESSION = 'session-1';
const INTERRUPTED: InterruptedTask[] = [
  { id: 't1', previous: 'speaking' },
  { id: 't2', previous: 'queued' },
];

function setup(result: SessionInterrupt = { sessionStatus: 'active', interrupted: INTERRUPTED }) {
  const tasks = { interruptActive: jest.fn().mockResolvedValue(result) };
  const dispatcher = { dispatch: jest.fn().mockResolvedValue(undefined) };
  const useCase = new InterruptUseCase(tasks as unknown as SpeechTasksRepository, dispatcher as unknown as InterruptDispatcher);
  return { useCase, tasks, dispatcher };
}

describe('InterruptUseCase', () => {
  it('interrupts the scoped session, dispatches the halt and endings itself and answers the interrupted task ids', async () => {
    const t = setup();

    await expect(t.useCase.execute(TENANT, SESSION)).resolves.toEqual({ status: 'interrupted', interrupted_task_ids: ['t1', 't2'] });

    expect(t.tasks.interruptActive).toHaveBeenCalledWith(TENANT, SESSION);
    expect(t.dispatcher.dispatch).toHaveBeenCalledWith({ tenantId: TENANT, sessionId: SESSION }, INTERRUPTED);
  });

  it('answers SESSION_NOT_FOUND for a session the tenant does not have', async () => {
    const t = setup({ sessionStatus: null, interrupted: [] });

    const err = await caughtPlatformError(t.useCase.execute(TENANT, SESSION));

    expect(err.code).toBe('SESSION_NOT_FOUND');
    expect(t.dispatcher.dispatch).not.toHaveBeenCalled();
  });

  it.each(['created', 'stopped'] as const)('answers SESSION_NOT_ACTIVE for a %s session', async (status) => {
    const t = setup({ sessionStatus: status, interrupted: [] });

    const err = await caughtPlatformError(t.useCase.execute(TENANT, SESSION));

    expect(err.code).toBe('SESSION_NOT_ACTIVE');
    expect(err.details).toEqual({ session_id: SESSION, status });
    expect(t.dispatcher.dispatch).not.toHaveBeenCalled();
  });
});
