import { Logger } from '@nestjs/common';
import type { SpeechTasksRepository } from '@avatar/persistence';
import type { WorkerConfig } from '../worker-config';
import { ActiveSpeech } from './active-speech';
import { InterruptWatch } from './interrupt-watch';

function setup() {
  const active = new ActiveSpeech();
  const tasks = { mustStop: jest.fn().mockResolvedValue([]) };
  const watch = new InterruptWatch(tasks as unknown as SpeechTasksRepository, active, { SPEECH_INTERRUPT_RECHECK_MS: 1000 } as WorkerConfig);
  return { watch, tasks, active };
}

beforeEach(() => {
  jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
});
afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('InterruptWatch', () => {
  it('asks about every task spoken here, and aborts (as interrupts) only those the repository says must stop', async () => {
    const t = setup();
    const a = t.active.begin('s1', 't1');
    const b = t.active.begin('s2', 't2');
    const c = t.active.begin('s3', 't3');
    t.tasks.mustStop.mockResolvedValue(['t2']);

    await t.watch.check();

    expect(t.tasks.mustStop).toHaveBeenCalledTimes(1);
    expect([...t.tasks.mustStop.mock.calls[0][0]].sort()).toEqual(['t1', 't2', 't3']);
    expect([a.aborted, b.aborted, c.aborted]).toEqual([false, true, false]);
    expect(t.active.reason('s2', 't2')).toBe('interrupt');
  });

  it('aborts nothing when no task must stop', async () => {
    const t = setup();
    const a = t.active.begin('s1', 't1');

    await t.watch.check();

    expect(a.aborted).toBe(false);
  });

  it('does not query the database when nothing is being spoken', async () => {
    const t = setup();

    await t.watch.check();

    expect(t.tasks.mustStop).not.toHaveBeenCalled();
  });

  it('never runs two checks at once: a check while one is in flight does nothing', async () => {
    const t = setup();
    t.active.begin('s1', 't1');
    let answer!: (ids: string[]) => void;
    t.tasks.mustStop.mockImplementationOnce(() => new Promise<string[]>((resolve) => (answer = resolve)));

    const first = t.watch.check();
    await t.watch.check();
    await t.watch.check();
    expect(t.tasks.mustStop).toHaveBeenCalledTimes(1);

    answer([]);
    await first;
    await t.watch.check();
    expect(t.tasks.mustStop).toHaveBeenCalledTimes(2);
  });

  it('survives a failed query and checks again next time', async () => {
    const t = setup();
    const a = t.active.begin('s1', 't1');
    t.tasks.mustStop.mockRejectedValueOnce(new Error('db down')).mockResolvedValueOnce(['t1']);

    await expect(t.watch.check()).resolves.toBeUndefined();
    await t.watch.check();

    expect(a.aborted).toBe(true);
  });

  it('checks every SPEECH_INTERRUPT_RECHECK_MS once started, and stops at shutdown', async () => {
    jest.useFakeTimers();
    const t = setup();
    t.active.begin('s1', 't1');

    t.watch.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(3000);
    expect(t.tasks.mustStop).toHaveBeenCalledTimes(3);

    t.watch.onApplicationShutdown();
    await jest.advanceTimersByTimeAsync(3000);
    expect(t.tasks.mustStop).toHaveBeenCalledTimes(3);
  });
});
