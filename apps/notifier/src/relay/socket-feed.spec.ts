import { relayedEvent, SocketFeed } from './socket-feed';

const SESSION = 'session-1';
const lifecycle = (seq: number, type = 'status') => relayedEvent(seq, SESSION, { type });
const frame = (frame_id: number) => relayedEvent(undefined, SESSION, { type: 'frame', frame_id });

function recordingFeed(lastEventId?: number) {
  const sent: Array<{ id: number; type: string; frame_id?: number }> = [];
  const feed = new SocketFeed((text) => sent.push(JSON.parse(text)), lastEventId);
  return { feed, sent };
}

describe('SocketFeed (catch-up then live)', () => {
  it('delivers history, then what arrived live meanwhile, without gap or duplicate', () => {
    const { feed, sent } = recordingFeed();
    // Live subscription made first: events 3 and 4 are both stored (history) and seen live.
    feed.live(lifecycle(3));
    feed.live(frame(1));
    feed.live(lifecycle(4));
    feed.live(frame(2));
    feed.live(lifecycle(7));
    for (const seq of [1, 2, 3, 4]) feed.history(lifecycle(seq));
    expect(sent.map((e) => e.id)).toEqual([1, 2, 3, 4]);
    feed.goLive();
    feed.live(frame(3));
    feed.live(lifecycle(9));

    expect(sent.map((e) => [e.type, e.id, e.frame_id])).toEqual([
      ['status', 1, undefined],
      ['status', 2, undefined],
      ['status', 3, undefined],
      ['status', 4, undefined],
      // frame 1 came before event 4, which the client already has: stale, dropped.
      ['frame', 4, 2],
      ['status', 7, undefined],
      ['frame', 7, 3],
      ['status', 9, undefined],
    ]);
  });

  it('keeps live media that came after the last replayed event', () => {
    const { feed, sent } = recordingFeed();
    feed.live(frame(1));
    feed.live(lifecycle(5));
    feed.history(lifecycle(2));
    feed.goLive();
    expect(sent.map((e) => [e.type, e.id])).toEqual([
      ['status', 2],
      ['frame', 2],
      ['status', 5],
    ]);
  });

  it('resumes after last_event_id: earlier lifecycle events are not sent again, media ids never go back', () => {
    const { feed, sent } = recordingFeed(10);
    feed.history(lifecycle(9)); // not asked for: the reader starts after 10, but a stray one is dropped anyway
    feed.history(lifecycle(12));
    feed.goLive();
    feed.live(frame(1));
    feed.live(lifecycle(11)); // an old duplicate arriving late
    feed.live(frame(2));
    feed.live(lifecycle(13));
    expect(sent.map((e) => [e.type, e.id])).toEqual([
      ['status', 12],
      ['frame', 12],
      ['frame', 12],
      ['status', 13],
    ]);
    expect(feed.lastId).toBe(13);
  });

  it('gives media before any lifecycle event the id the client resumed from (0 on a first connect)', () => {
    const { feed, sent } = recordingFeed();
    feed.goLive();
    feed.live(frame(1));
    feed.local('"session_id":"s","type":"error","code":"X","message":"m"}', 'error');
    expect(sent).toEqual([
      { id: 0, session_id: SESSION, type: 'frame', frame_id: 1 },
      { id: 0, session_id: 's', type: 'error', code: 'X', message: 'm' },
    ]);
  });

  it('buffers nothing once live', () => {
    const { feed, sent } = recordingFeed();
    feed.goLive();
    feed.live(lifecycle(1));
    expect(sent).toHaveLength(1);
    expect(feed.isLive).toBe(true);
  });
  it('names each message\'s type to its output, and ids do not depend on which media the output drops (lag, ADR 0004)', () => {
    const sent: Array<{ id: number; type: string; frame_id?: number }> = [];
    const types: string[] = [];
    // An output that drops every frame, as a lagging socket's does.
    const feed = new SocketFeed((text, type) => {
      types.push(type);
      if (type !== 'frame') sent.push(JSON.parse(text));
    });
    feed.live(frame(1));
    feed.history(lifecycle(1));
    feed.goLive();
    feed.live(frame(2));
    feed.live(lifecycle(2, 'task.completed'));
    feed.live(frame(3));
    feed.local('"session_id":"s","type":"error","code":"X","message":"m"}', 'error');
    expect(types).toEqual(['status', 'frame', 'frame', 'task.completed', 'frame', 'error']);
    expect(sent.map((e) => [e.type, e.id])).toEqual([
      ['status', 1],
      ['task.completed', 2],
      ['error', 2],
    ]);
    expect(feed.lastId).toBe(2);
  });
});
