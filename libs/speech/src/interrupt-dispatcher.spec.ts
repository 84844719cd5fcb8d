import { COMMANDS, TenantScopes } from '@avatar/contracts';
import type { InterruptedTask } from '@avatar/persistence';
import type { CommandBus, EventPublisher, SessionScope } from '@avatar/messaging';
import { fakeEventPublisher } from '@avatar/testing';
import { TaskEndings } from './task-endings';
import { InterruptDispatcher } from './interrupt-dispatcher';

const SCOPE: SessionScope = { tenantId: TenantScopes.ofRecord('tenant-1'), sessionId: 'session-1' };

function setup() {
  const events = fakeEventPublisher();
  const commands = { broadcast: jest.fn() };
  // The real TaskEndings over the fakes: what reaches the publisher is what clients see.
  const endings = new TaskEndings(events as unknown as EventPublisher);
  const dispatcher = new InterruptDispatcher(commands as unknown as CommandBus, endings);
  const published = () => events.published.map((p) => p.event);
  const dispatch = (interrupted: InterruptedTask[]) => dispatcher.dispatch(SCOPE, interrupted);
  return { dispatch, events, commands, published };
}

describe('InterruptDispatcher', () => {
  it('halts the speaking task on every worker and announces only the queued ones (no status idle: the speaking worker sends it)', async () => {
    const t = setup();

    await t.dispatch([
      { id: 'a', previous: 'speaking' },
      { id: 'b', previous: 'queued' },
    ]);

    expect(t.commands.broadcast).toHaveBeenCalledWith(SCOPE, COMMANDS.HALT, { task_ids: ['a'] });
    expect(t.published()).toEqual([{ type: 'task.interrupted', task_id: 'b' }]);
  });

  it('halts only the speaking ids, even when several tasks were pending', async () => {
    const t = setup();

    await t.dispatch([
      { id: 'a', previous: 'queued' },
      { id: 'b', previous: 'speaking' },
      { id: 'c', previous: 'queued' },
    ]);

    expect(t.commands.broadcast).toHaveBeenCalledTimes(1);
    expect(t.commands.broadcast).toHaveBeenCalledWith(SCOPE, COMMANDS.HALT, { task_ids: ['b'] });
    expect(t.published()).toEqual([
      { type: 'task.interrupted', task_id: 'a' },
      { type: 'task.interrupted', task_id: 'c' },
    ]);
  });

  it('announces queued tasks and status idle itself when nothing was speaking', async () => {
    const t = setup();

    await t.dispatch([
      { id: 'b', previous: 'queued' },
      { id: 'c', previous: 'queued' },
    ]);

    // Still a halt (of no task): a chat reply streaming into the session hears it and stops.
    expect(t.commands.broadcast).toHaveBeenCalledWith(SCOPE, COMMANDS.HALT, { task_ids: [] });
    expect(t.published()).toEqual([
      { type: 'task.interrupted', task_id: 'b' },
      { type: 'task.interrupted', task_id: 'c' },
      { type: 'status', status: 'idle', message: 'Avatar was interrupted' },
    ]);
  });

  it('halts without announcing anything when only the speaking task was pending', async () => {
    const t = setup();

    await t.dispatch([{ id: 'a', previous: 'speaking' }]);

    expect(t.commands.broadcast).toHaveBeenCalledWith(SCOPE, COMMANDS.HALT, { task_ids: ['a'] });
    expect(t.published()).toEqual([]);
  });

  it('announces nothing when no task was pending, but still halts (a streaming chat reply stops)', async () => {
    const t = setup();

    await t.dispatch([]);

    expect(t.commands.broadcast).toHaveBeenCalledWith(SCOPE, COMMANDS.HALT, { task_ids: [] });
    expect(t.published()).toEqual([]);
  });
});
