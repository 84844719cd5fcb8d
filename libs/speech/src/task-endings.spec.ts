import { TenantScopes } from '@avatar/contracts';
import type { EventPublisher } from '@avatar/messaging';
import { fakeEventPublisher } from '@avatar/testing';
import { endingOf, TaskEndings } from './task-endings';

const SCOPE = { tenantId: TenantScopes.ofRecord('tenant-1'), sessionId: 'session-1' };

function setup() {
  const log: string[] = [];
  const events = fakeEventPublisher();
  events.publishAll.mockImplementation(async (scope, list) => list.map((event) => (log.push(event.type), events.published.push({ scope, event }))));
  const endings = new TaskEndings(events as unknown as EventPublisher);
  return { endings, events, log, published: () => events.published.map((p) => p.event) };
}

describe('TaskEndings', () => {
  it('publishes the terminal events in the order given, in the scope, then status idle when asked', async () => {
    const t = setup();

    await t.endings.announce(
      SCOPE,
      [
        { taskId: 'a', ending: { type: 'task.interrupted' } },
        { taskId: 'b', ending: { type: 'task.failed', error: 'boom' } },
        { taskId: 'c', ending: { type: 'task.completed', duration: 1.25 } },
      ],
      { idle: true },
    );

    expect(t.published()).toEqual([
      { type: 'task.interrupted', task_id: 'a' },
      { type: 'task.failed', task_id: 'b', error: 'boom' },
      { type: 'task.completed', task_id: 'c', duration: 1.25 },
      { type: 'status', status: 'idle', message: 'Avatar is idle' },
    ]);
    expect(t.events.publishAll).toHaveBeenCalledTimes(1);
    expect(t.events.publishAll.mock.calls[0][0]).toEqual(SCOPE);
  });

  it('says the avatar was interrupted when the last ending is an interrupt', async () => {
    const t = setup();

    await t.endings.announce(SCOPE, [{ taskId: 'a', ending: { type: 'task.interrupted' } }], { idle: true });

    expect(t.published().at(-1)).toEqual({ type: 'status', status: 'idle', message: 'Avatar was interrupted' });
  });

  it('sends no idle when not asked', async () => {
    const t = setup();

    await t.endings.announce(SCOPE, [{ taskId: 'a', ending: { type: 'task.completed', duration: 1 } }], { idle: false });

    expect(t.published()).toEqual([{ type: 'task.completed', task_id: 'a', duration: 1 }]);
  });

  it('fails when the publish fails (the task stays unannounced: the reconciler announces it later)', async () => {
    const t = setup();
    t.events.publishAll.mockRejectedValue(new Error('nats down'));

    await expect(t.endings.announce(SCOPE, [{ taskId: 'a', ending: { type: 'task.interrupted' } }], { idle: true })).rejects.toThrow('nats down');
  });

  it('does nothing for no endings, not even an idle', async () => {
    const t = setup();

    await t.endings.announce(SCOPE, [], { idle: true });

    expect(t.events.publishAll).not.toHaveBeenCalled();
  });
});

describe('endingOf', () => {
  it('gives a completed task its spoken seconds', () => {
    expect(endingOf('completed', null, 2.5)).toEqual({ type: 'task.completed', duration: 2.5 });
  });

  it('gives a failed task its error, or a generic one', () => {
    expect(endingOf('failed', 'vendor down', 0)).toEqual({ type: 'task.failed', error: 'vendor down' });
    expect(endingOf('failed', null, 0)).toEqual({ type: 'task.failed', error: 'failed' });
  });

  it('gives an interrupted task a bare interrupted ending', () => {
    expect(endingOf('interrupted', 'ignored', 3)).toEqual({ type: 'task.interrupted' });
  });
});
