import { COMMANDS } from '@avatar/contracts';
import type { InterruptedTask, SpeechTasksRepository } from '@avatar/persistence';
import type { CommandBus, EventPublisher, SessionScope } from '@avatar/messaging';
import { fakeEventPublisher } from '@avatar/testing';
import { TaskEndings } from '../../speech/task-endings';
import { InterruptSessionUseCase } from './interrupt-session.use-case';

const SCOPE: SessionScope = { tenantId: 'tenant-1', sessionId: 'session-1' };

function setup(interrupted: InterruptedTask[]) {
  const tasks = { interruptPending: jest.fn().mockResolvedValue(interrupted) };
  const events = fakeEventPublisher();
  const commands = { broadcast: jest.fn() };
  // The real TaskEndings over the fakes: what reaches the publisher is what clients see.
  const endings = new TaskEndings(events as unknown as EventPublisher);
  const useCase = new InterruptSessionUseCase(tasks as unknown as SpeechTasksRepository, endings, commands as unknown as CommandBus);
  const published = () => events.published.map((p) => p.event);
  return { useCase, tasks, events, commands, published };
}

describe('InterruptSessionUseCase', () => {
  it('interrupts the pending tasks of the scoped session and answers every interrupted id in order', async () => {
    const t = setup([
      { id: 'a', previous: 'speaking' },
      { id: 'b', previous: 'queued' },
      { id: 'c', previous: 'queued' },
    ]);

    await expect(t.useCase.execute(SCOPE, { reason: 'client' })).resolves.toEqual({ interrupted_task_ids: ['a', 'b', 'c'] });

    expect(t.tasks.interruptPending).toHaveBeenCalledWith('tenant-1', 'session-1');
  });

  it('halts the speaking task on every worker and announces only the queued ones (no status idle: the speaking worker sends it)', async () => {
    const t = setup([
      { id: 'a', previous: 'speaking' },
      { id: 'b', previous: 'queued' },
    ]);

    await t.useCase.execute(SCOPE, { reason: 'client' });

    expect(t.commands.broadcast).toHaveBeenCalledWith(SCOPE, COMMANDS.HALT, { task_ids: ['a'] });
    expect(t.published()).toEqual([{ type: 'task.interrupted', task_id: 'b' }]);
  });

  it('halts only the speaking ids, even when several tasks were pending', async () => {
    const t = setup([
      { id: 'a', previous: 'queued' },
      { id: 'b', previous: 'speaking' },
      { id: 'c', previous: 'queued' },
    ]);

    await t.useCase.execute(SCOPE, { reason: 'client' });

    expect(t.commands.broadcast).toHaveBeenCalledTimes(1);
    expect(t.commands.broadcast).toHaveBeenCalledWith(SCOPE, COMMANDS.HALT, { task_ids: ['b'] });
    expect(t.published()).toEqual([
      { type: 'task.interrupted', task_id: 'a' },
      { type: 'task.interrupted', task_id: 'c' },
    ]);
  });

  it('announces queued tasks and status idle itself when nothing was speaking', async () => {
    const t = setup([
      { id: 'b', previous: 'queued' },
      { id: 'c', previous: 'queued' },
    ]);

    await t.useCase.execute(SCOPE, { reason: 'session_stopped' });

    expect(t.commands.broadcast).not.toHaveBeenCalled();
    expect(t.published()).toEqual([
      { type: 'task.interrupted', task_id: 'b' },
      { type: 'task.interrupted', task_id: 'c' },
      { type: 'status', status: 'idle', message: 'Avatar was interrupted' },
    ]);
  });

  it('halts without announcing anything when only the speaking task was pending', async () => {
    const t = setup([{ id: 'a', previous: 'speaking' }]);

    await t.useCase.execute(SCOPE, { reason: 'client' });

    expect(t.commands.broadcast).toHaveBeenCalledWith(SCOPE, COMMANDS.HALT, { task_ids: ['a'] });
    expect(t.published()).toEqual([]);
  });

  it('does nothing visible and answers an empty list when no task was pending', async () => {
    const t = setup([]);

    await expect(t.useCase.execute(SCOPE, { reason: 'client' })).resolves.toEqual({ interrupted_task_ids: [] });

    expect(t.commands.broadcast).not.toHaveBeenCalled();
    expect(t.published()).toEqual([]);
  });
});
