import { ProviderMediaEvent } from '../avatar-provider';
import { LocalProvider } from './local-provider';
import { framesOf, visemeTrack } from './viseme-track';

/** A clock that advances only when the provider sleeps: the test runs instantly. */
function fakeClock() {
  let now = 1_700_000_000_000;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += Math.max(0, ms);
    },
    elapsed: (since: number) => now - since,
  };
}

const spec = { tenantId: 't', sessionId: 's', avatarId: 'a', quality: 'medium' };

describe('LocalProvider', () => {
  it('speaks the viseme track as frames at the frame rate, taking the speech duration', async () => {
    const clock = fakeClock();
    const provider = new LocalProvider({ wordsPerMinute: 150, framesPerSecond: 25, clock });
    const started = await provider.start(spec);
    const connection = await provider.connect({ spec, providerSessionId: started.providerSessionId });
    const events: ProviderMediaEvent[] = [];
    const t0 = clock.now();
    const outcome = await connection.speak({ taskId: 'task-1', text: 'hello there world' }, async (e) => void events.push(e), new AbortController().signal);

    expect(outcome).toEqual({ spokenSeconds: 1.2, interrupted: false });
    expect(clock.elapsed(t0)).toBe(1200);
    const expected = framesOf(visemeTrack('hello there world', { wordsPerMinute: 150 }), 25);
    expect(events.map((e) => e.type === 'frame' && e.viseme)).toEqual(expected);
    expect(events.map((e) => e.type === 'frame' && e.frame_id)).toEqual(expected.map((_, i) => i + 1));
    const first = events[0];
    expect(first).toMatchObject({ type: 'frame', task_id: 'task-1', mime_type: 'image/svg+xml', timestamp: t0 / 1000 });
    expect(Buffer.from((first as { data: string }).data, 'base64').toString()).toContain('<svg');
  });

  it('stops at the next frame when aborted and reports what was spoken', async () => {
    const clock = fakeClock();
    const provider = new LocalProvider({ wordsPerMinute: 150, framesPerSecond: 25, clock });
    const connection = await provider.connect({ spec, providerSessionId: 'x' });
    const abort = new AbortController();
    let count = 0;
    const outcome = await connection.speak(
      { taskId: 'task-1', text: 'hello there world' },
      async () => {
        if (++count === 5) abort.abort();
      },
      abort.signal,
    );
    expect(count).toBe(5);
    expect(outcome).toEqual({ spokenSeconds: 5 / 25, interrupted: true });
  });
});
