import { realSpeechClock, SpeechClock, waitOutSpeech } from './speech-clock';

describe('waitOutSpeech', () => {
  it('waits the whole speech when not interrupted', async () => {
    let now = 0;
    const slept: number[] = [];
    const clock: SpeechClock = { now: () => now, sleep: async (ms) => void (slept.push(ms), (now += ms)) };
    expect(await waitOutSpeech(1.5, new AbortController().signal, clock)).toEqual({ spokenSeconds: 1.5, interrupted: false });
    expect(slept).toEqual([1500]);
  });

  it('reports the time waited when interrupted, never more than the speech', async () => {
    let now = 0;
    const abort = new AbortController();
    const clock: SpeechClock = { now: () => now, sleep: async () => void ((now += 5000), abort.abort()) };
    expect(await waitOutSpeech(2, abort.signal, clock)).toEqual({ spokenSeconds: 2, interrupted: true });
  });

  it('does not wait at all when already interrupted', async () => {
    const abort = new AbortController();
    abort.abort();
    const sleep = jest.fn();
    expect(await waitOutSpeech(3, abort.signal, { now: () => 0, sleep })).toEqual({ spokenSeconds: 0, interrupted: true });
    expect(sleep).not.toHaveBeenCalled();
  });
});

describe('realSpeechClock', () => {
  it('sleeps until the abort, not the full time', async () => {
    const abort = new AbortController();
    const sleeping = realSpeechClock.sleep(60_000, abort.signal);
    setTimeout(() => abort.abort(), 5);
    await expect(sleeping).resolves.toBeUndefined();
  }, 2000);

  it('sleeps the time asked for', async () => {
    const started = Date.now();
    await realSpeechClock.sleep(30, new AbortController().signal);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });
});
