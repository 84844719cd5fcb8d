import { TenantScopes } from '@avatar/contracts';
import type { InterruptedTask, SpeechTasksRepository } from '@avatar/persistence';
import type { SessionScope } from '@avatar/messaging';
import type { InterruptDispatcher } from '@avatar/speech';
import { InterruptSessionUseCase } from './interrupt-session.use-case';

const SCOPE: SessionScope = { tenantId: TenantScopes.ofRecord('tenant-1'), sessionId: 'session-1' };

function setup(interrupted: InterruptedTask[]) {
  const tasks = { interruptPending: jest.fn().mockResolvedValue(interrupted) };
  const dispatcher = { dispatch: jest.fn().mockResolvedValue(undefined) };
  const useCase = new InterruptSessionUseCase(tasks as unknown as SpeechTasksRepository, dispatcher as unknown as InterruptDispatcher);
  return { useCase, tasks, dispatcher };
}

describe('InterruptSessionUseCase', () => {
  it('interrupts the pending tasks of the scoped session, dispatches them and answers every id in order', async () => {
    const interrupted: InterruptedTask[] = [
      { id: 'a', previous: 'speaking' },
      { id: 'b', previous: 'queued' },
    ];
    const t = setup(interrupted);

    await expect(t.useCase.execute(SCOPE, { reason: 'client' })).resolves.toEqual({ interrupted_task_ids: ['a', 'b'] });

    expect(t.tasks.interruptPending).toHaveBeenCalledWith('tenant-1', 'session-1');
    expect(t.dispatcher.dispatch).toHaveBeenCalledWith(SCOPE, interrupted);
  });

  it('answers an empty list when no task was pending', async () => {
    const t = setup([]);

    await expect(t.useCase.execute(SCOPE, { reason: 'session_stopped' })).resolves.toEqual({ interrupted_task_ids: [] });
  });
});
