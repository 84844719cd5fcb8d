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
});
