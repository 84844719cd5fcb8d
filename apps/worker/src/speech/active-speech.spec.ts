import { ActiveSpeech } from './active-speech';

describe('ActiveSpeech', () => {
  it('begin() hands out a signal that is not aborted yet', () => {
    const active = new ActiveSpeech();

    const signal = active.begin('s1', 't1');

    expect(signal).toBeInstanceOf(AbortSignal);
    expect(signal.aborted).toBe(false);
  });

  it('abort() without task ids aborts the session current task', () => {
    const active = new ActiveSpeech();
    const signal = active.begin('s1', 't1');

    expect(active.abort('s1')).toBe(true);
    expect(signal.aborted).toBe(true);
  });

  it('abort() with task ids aborts only when the current task is one of them', () => {
    const active = new ActiveSpeech();
    const signal = active.begin('s1', 't1');

    expect(active.abort('s1', ['t2', 't3'])).toBe(false);
    expect(signal.aborted).toBe(false);

    expect(active.abort('s1', ['t3', 't1'])).toBe(true);
    expect(signal.aborted).toBe(true);
  });

  it('abort() answers false for a session with nothing being spoken', () => {
    const active = new ActiveSpeech();

    expect(active.abort('nobody')).toBe(false);
    expect(active.abort('nobody', ['t1'])).toBe(false);
  });

  it('keeps sessions apart: aborting one leaves the other speaking', () => {
    const active = new ActiveSpeech();
    const first = active.begin('s1', 't1');
    const second = active.begin('s2', 't2');

    active.abort('s1');

    expect(first.aborted).toBe(true);
    expect(second.aborted).toBe(false);
  });

  it('end() forgets the task, so a later abort finds nothing', () => {
    const active = new ActiveSpeech();
    const signal = active.begin('s1', 't1');

    active.end('s1', 't1');

    expect(active.abort('s1')).toBe(false);
    expect(signal.aborted).toBe(false);
  });

  it('end() of an older task does not forget the newer task of the same session', () => {
    const active = new ActiveSpeech();
    active.begin('s1', 't1');
    const newer = active.begin('s1', 't2');

    active.end('s1', 't1');

    expect(active.abort('s1', ['t2'])).toBe(true);
    expect(newer.aborted).toBe(true);
  });

  describe('why a task was stopped', () => {
    it('has no reason while the task is not stopped, nor for another task id', () => {
      const active = new ActiveSpeech();
      active.begin('s1', 't1');

      expect(active.reason('s1', 't1')).toBeUndefined();
      active.abort('s1', ['t1'], 'interrupt');
      expect(active.reason('s1', 't2')).toBeUndefined();
      expect(active.reason('s2', 't1')).toBeUndefined();
    });

    it('defaults to interrupt', () => {
      const active = new ActiveSpeech();
      active.begin('s1', 't1');

      active.abort('s1');

      expect(active.reason('s1', 't1')).toBe('interrupt');
    });

    it('records a handover', () => {
      const active = new ActiveSpeech();
      active.begin('s1', 't1');

      active.abort('s1', undefined, 'handover');

      expect(active.reason('s1', 't1')).toBe('handover');
    });

    it('lets an interrupt win over a handover that came first', () => {
      const active = new ActiveSpeech();
      active.begin('s1', 't1');

      active.abort('s1', undefined, 'handover');
      active.abort('s1', ['t1'], 'interrupt');

      expect(active.reason('s1', 't1')).toBe('interrupt');
    });

    it('keeps the interrupt when a handover comes after it', () => {
      const active = new ActiveSpeech();
      active.begin('s1', 't1');

      active.abort('s1', ['t1'], 'interrupt');
      active.abortAll('handover');

      expect(active.reason('s1', 't1')).toBe('interrupt');
    });

    it('forgets the reason with the task', () => {
      const active = new ActiveSpeech();
      active.begin('s1', 't1');
      active.abort('s1');
      active.end('s1', 't1');

      expect(active.reason('s1', 't1')).toBeUndefined();
    });
  });

  describe('abortTasks', () => {
    it('aborts exactly the listed tasks, in whichever sessions they are spoken, with the reason', () => {
      const active = new ActiveSpeech();
      const a = active.begin('s1', 't1');
      const b = active.begin('s2', 't2');
      const c = active.begin('s3', 't3');

      active.abortTasks(['t3', 't1', 'unknown'], 'interrupt');

      expect([a.aborted, b.aborted, c.aborted]).toEqual([true, false, true]);
      expect(active.reason('s1', 't1')).toBe('interrupt');
      expect(active.reason('s2', 't2')).toBeUndefined();
      expect(active.reason('s3', 't3')).toBe('interrupt');
    });

    it('does nothing for ids spoken nowhere here', () => {
      const active = new ActiveSpeech();
      const a = active.begin('s1', 't1');

      active.abortTasks(['t9'], 'interrupt');

      expect(a.aborted).toBe(false);
    });
  });

  describe('abortAll', () => {
    it('aborts every task with the reason and answers how many were being spoken', () => {
      const active = new ActiveSpeech();
      const a = active.begin('s1', 't1');
      const b = active.begin('s2', 't2');

      expect(active.abortAll('handover')).toBe(2);

      expect([a.aborted, b.aborted]).toEqual([true, true]);
      expect(active.reason('s1', 't1')).toBe('handover');
      expect(active.reason('s2', 't2')).toBe('handover');
    });

    it('answers 0 when nothing is spoken', () => {
      expect(new ActiveSpeech().abortAll('handover')).toBe(0);
    });
  });

  describe('taskIds and size', () => {
    it('lists the tasks being spoken, one per session, and forgets ended ones', () => {
      const active = new ActiveSpeech();
      active.begin('s1', 't1');
      active.begin('s2', 't2');
      active.begin('s1', 't3'); // the session's newer task replaces the older one

      expect(active.taskIds().sort()).toEqual(['t2', 't3']);
      expect(active.size).toBe(2);

      active.end('s2', 't2');

      expect(active.taskIds()).toEqual(['t3']);
      expect(active.size).toBe(1);
    });
  });
});
