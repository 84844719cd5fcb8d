import { LagPolicy, mediaDroppedMessage } from './lag-policy';

const limits = { WS_MEDIA_DROP_BYTES: 1000, WS_MAX_BUFFERED_BYTES: 5000 };

describe('LagPolicy', () => {
  it('sends everything up to the drop threshold, drops only frames and audio over it', () => {
    const lag = new LagPolicy(limits);
    expect(['frame', 'audio', 'status', 'task.started', 'error'].map((t) => lag.judge(t, 1000))).toEqual(['send', 'send', 'send', 'send', 'send']);
    expect(['frame', 'audio', 'status', 'task.completed', 'session.stopped', 'chat', 'error'].map((t) => lag.judge(t, 1001))).toEqual([
      'drop',
      'drop',
      'send',
      'send',
      'send',
      'send',
      'send',
    ]);
    expect(lag.pending).toEqual({ frames: 1, audio: 1 });
  });

  it('cuts off over the maximum, whatever the message', () => {
    const lag = new LagPolicy(limits);
    expect(lag.judge('status', 5000)).toBe('send');
    for (const type of ['frame', 'audio', 'status', 'error']) expect(lag.judge(type, 5001)).toBe('cut-off');
    // A cut-off is no drop: nothing is owed to a client that is closed anyway.
    expect(lag.pending).toEqual({ frames: 0, audio: 0 });
  });

  it('ends an episode once, when a message is queued with the socket drained to the resume level, with that episode`s counts', () => {
    const lag = new LagPolicy(limits);
    expect(lag.endEpisode(0)).toBeUndefined(); // nothing dropped: no episode
    lag.judge('frame', 2000);
    lag.judge('frame', 2000);
    lag.judge('audio', 2000);
    expect(lag.lagging).toBe(true);
    expect(lag.endEpisode(1001)).toBeUndefined(); // still lagging
    expect(lag.endEpisode(501)).toBeUndefined(); // under the threshold, not yet at the resume level (half of it)
    expect(lag.endEpisode(500)).toEqual({ frames: 2, audio: 1 });
    expect(lag.lagging).toBe(false);
    expect(lag.endEpisode(0)).toBeUndefined(); // told once
    lag.judge('audio', 3000);
    expect(lag.endEpisode(10)).toEqual({ frames: 0, audio: 1 });
  });

  it('once lagging, keeps dropping media until the socket drains to half the threshold (no flapping at the threshold)', () => {
    const lag = new LagPolicy(limits);
    expect(lag.judge('frame', 800)).toBe('send'); // not lagging: the threshold itself
    expect(lag.judge('frame', 1001)).toBe('drop');
    expect(lag.judge('frame', 800)).toBe('drop'); // lagging: the resume level
    expect(lag.judge('audio', 501)).toBe('drop');
    expect(lag.judge('status', 800)).toBe('send');
    expect(lag.judge('frame', 500)).toBe('send');
    expect(lag.endEpisode(500)).toEqual({ frames: 2, audio: 1 });
    expect(lag.judge('frame', 800)).toBe('send'); // a new episode starts over the threshold again
  });

  it('words the notice with both counts', () => {
    expect(mediaDroppedMessage({ frames: 12, audio: 3 })).toBe('12 frames and 3 audio chunks dropped: the client reads too slowly');
  });
});
