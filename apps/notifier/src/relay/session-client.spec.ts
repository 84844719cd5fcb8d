import { TenantScopes, WS_CLOSE_CODES, WS_ERROR_CODES } from '@avatar/contracts';
import { ClientSocket, CUT_OFF_REASON, SessionClient } from './session-client';
import { relayedEvent } from './socket-feed';

const SESSION = 'session-1';
const DROP = 1000;
const MAX = 5000;
const lifecycle = (seq: number, type = 'status') => relayedEvent(seq, SESSION, { type });
const frame = (frame_id: number) => relayedEvent(undefined, SESSION, { type: 'frame', frame_id });
const audio = (n: number) => relayedEvent(undefined, SESSION, { type: 'audio', data: `chunk-${n}` });

interface Sent {
  id: number;
  type: string;
  frame_id?: number;
  code?: string;
  message?: string;
}

/** A socket whose unsent bytes the test sets (what `ws` reports as bufferedAmount). */
class FakeSocket implements ClientSocket {
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: Sent[] = [];
  closed: { code?: number; reason?: string } | undefined;
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(code?: number, reason?: string): void {
    this.closed = { code, reason };
    this.readyState = 2;
  }
  terminate(): void {
    this.readyState = 3;
  }
}

function liveClient(options: { lastEventId?: number; limits?: { WS_MEDIA_DROP_BYTES?: number; WS_MAX_BUFFERED_BYTES?: number } | null } = {}) {
  const socket = new FakeSocket();
  const limits = options.limits === null ? undefined : (options.limits ?? { WS_MEDIA_DROP_BYTES: DROP, WS_MAX_BUFFERED_BYTES: MAX });
  const client = new SessionClient(socket, { tenantId: TenantScopes.ofRecord('t'), sessionId: SESSION }, Date.now() + 60_000, options.lastEventId, 100, limits);
  return { socket, client };
}
const summary = (sent: Sent[]) => sent.map((e) => (e.type === 'frame' ? `frame ${e.frame_id}@${e.id}` : e.type === 'error' ? `${e.code}@${e.id}` : `${e.type}@${e.id}`));

describe('SessionClient: a lagging socket', () => {
  it('sends everything while the socket keeps up', () => {
    const { socket, client } = liveClient();
    client.feed.goLive();
    socket.bufferedAmount = DROP; // at the threshold is not over it
    client.feed.live(lifecycle(1, 'task.started'));
    client.feed.live(frame(1));
    client.feed.live(audio(1));
    expect(socket.sent.map((e) => e.type)).toEqual(['task.started', 'frame', 'audio']);
  });

  it('over the drop threshold drops frames and audio, never lifecycle events nor its own errors; ids keep the media rule', () => {
    const { socket, client } = liveClient();
    client.feed.goLive();
    client.feed.live(lifecycle(1, 'task.started'));
    client.feed.live(frame(1));
    socket.bufferedAmount = DROP + 1;
    client.feed.live(frame(2));
    client.feed.live(audio(1));
    client.feed.live(lifecycle(2));
    client.feed.live(frame(3));
    client.sendError(WS_ERROR_CODES.RATE_LIMITED, 'slow down');
    client.feed.live(lifecycle(3, 'task.completed'));
    client.feed.live(audio(2));

    expect(summary(socket.sent)).toEqual(['task.started@1', 'frame 1@1', 'status@2', 'RATE_LIMITED@2', 'task.completed@3']);
    expect(client.lag.pending).toEqual({ frames: 2, audio: 2 });
    expect(socket.closed).toBeUndefined();
  });

  it('tells the client once per lag episode, with its counts, as soon as a message goes out under the threshold', () => {
    const { socket, client } = liveClient();
    client.feed.goLive();
    client.feed.live(lifecycle(4, 'task.started'));
    socket.bufferedAmount = 3000;
    [1, 2, 3].forEach((n) => client.feed.live(frame(n)));
    client.feed.live(audio(1));
    socket.bufferedAmount = 200; // drained
    client.feed.live(frame(4));
    client.feed.live(frame(5));
    // Second episode: its own counts, not the total.
    socket.bufferedAmount = 1500;
    client.feed.live(frame(6));
    client.feed.live(lifecycle(5)); // queued while still lagging: no notice yet
    socket.bufferedAmount = 0;
    client.feed.live(frame(7));

    expect(summary(socket.sent)).toEqual(['task.started@4', 'frame 4@4', 'MEDIA_DROPPED@4', 'frame 5@4', 'status@5', 'frame 7@5', 'MEDIA_DROPPED@5']);
    const notices = socket.sent.filter((e) => e.code === WS_ERROR_CODES.MEDIA_DROPPED);
    expect(notices).toEqual([
      { id: 4, session_id: SESSION, type: 'error', code: 'MEDIA_DROPPED', message: '3 frames and 1 audio chunks dropped: the client reads too slowly' },
      { id: 5, session_id: SESSION, type: 'error', code: 'MEDIA_DROPPED', message: '1 frames and 0 audio chunks dropped: the client reads too slowly' },
    ]);
  });

  it('media flows again only once the socket drained to half the threshold: no frame-by-frame flapping, one notice', () => {
    const { socket, client } = liveClient();
    client.feed.goLive();
    client.feed.live(lifecycle(1, 'task.started'));
    socket.bufferedAmount = DROP + 1;
    client.feed.live(frame(1));
    socket.bufferedAmount = DROP - 1; // under the threshold, the client still catching up
    client.feed.live(frame(2));
    client.feed.live(lifecycle(2));
    client.feed.live(frame(3));
    socket.bufferedAmount = DROP / 2;
    client.feed.live(frame(4));
    socket.bufferedAmount = DROP - 1; // a new episode needs the threshold again
    client.feed.live(frame(5));
    expect(summary(socket.sent)).toEqual(['task.started@1', 'status@2', 'frame 4@2', 'MEDIA_DROPPED@2', 'frame 5@2']);
    expect(socket.sent[3].message).toMatch(/^3 frames and 0 audio chunks dropped/);
  });

  it('a lifecycle event that ends an episode comes before the notice, which carries its id (never an id the client has not got)', () => {
    const { socket, client } = liveClient();
    client.feed.goLive();
    client.feed.live(lifecycle(1, 'task.started'));
    socket.bufferedAmount = 2000;
    client.feed.live(frame(1));
    socket.bufferedAmount = 0;
    client.feed.live(lifecycle(2, 'task.completed'));
    expect(summary(socket.sent)).toEqual(['task.started@1', 'task.completed@2', 'MEDIA_DROPPED@2']);
  });

  it('sends no notice when nothing was dropped (only lifecycle events while over the threshold)', () => {
    const { socket, client } = liveClient();
    client.feed.goLive();
    socket.bufferedAmount = 4000;
    client.feed.live(lifecycle(1));
    socket.bufferedAmount = 0;
    client.feed.live(frame(1));
    expect(summary(socket.sent)).toEqual(['status@1', 'frame 1@1']);
  });

  it('cuts a socket off over the maximum with 1013 and why; nothing is sent after', () => {
    const { socket, client } = liveClient();
    client.feed.goLive();
    client.feed.live(lifecycle(1));
    socket.bufferedAmount = MAX;
    client.feed.live(lifecycle(2)); // at the maximum is not over it
    socket.bufferedAmount = MAX + 1;
    client.feed.live(frame(1)); // a frame that would be dropped cuts off as well
    expect(socket.closed).toEqual({ code: WS_CLOSE_CODES.TRY_AGAIN_LATER, reason: CUT_OFF_REASON });
    expect(CUT_OFF_REASON).toMatch(/last_event_id/);
    client.feed.live(lifecycle(3));
    client.sendError(WS_ERROR_CODES.RATE_LIMITED, 'x');
    expect(summary(socket.sent)).toEqual(['status@1', 'status@2']);
  });

  it('cuts off on a lifecycle event too: lifecycle events are queued only up to the maximum', () => {
    const { socket, client } = liveClient();
    client.feed.goLive();
    socket.bufferedAmount = MAX + 1;
    client.feed.live(lifecycle(1, 'task.completed'));
    expect(socket.sent).toEqual([]);
    expect(socket.closed?.code).toBe(WS_CLOSE_CODES.TRY_AGAIN_LATER);
  });

  it('keeps the catch-up merge: replayed history while lagging, stale media dropped by the merge, fresh media by the lag', () => {
    const { socket, client } = liveClient({ lastEventId: 2 });
    client.feed.live(frame(1)); // before event 4: stale once the history has 4
    client.feed.live(lifecycle(4));
    client.feed.live(frame(2)); // fresh, but the socket lags when it is flushed
    client.feed.live(lifecycle(5, 'task.completed'));
    socket.bufferedAmount = 2000;
    client.feed.history(lifecycle(3));
    client.feed.history(lifecycle(4));
    client.feed.goLive();
    socket.bufferedAmount = 0;
    client.feed.live(frame(3));
    expect(summary(socket.sent)).toEqual(['status@3', 'status@4', 'task.completed@5', 'frame 3@5', 'MEDIA_DROPPED@5']);
    expect(socket.sent.at(-1)!.message).toMatch(/^1 frames and 0 audio chunks dropped/);
    expect(client.feed.lastId).toBe(5);
  });

  it('ends the session after the notice: session.stopped, the notice, then the close', () => {
    const { socket, client } = liveClient();
    client.feed.goLive();
    socket.bufferedAmount = 2000;
    client.feed.live(frame(1));
    socket.bufferedAmount = 0;
    client.feed.live(lifecycle(9, 'session.stopped'));
    expect(summary(socket.sent)).toEqual(['session.stopped@9', 'MEDIA_DROPPED@9']);
    expect(socket.closed).toEqual({ code: WS_CLOSE_CODES.SESSION_STOPPED, reason: 'session stopped' });
  });

  it('without limits uses the config defaults: media dropped over 1 MiB unsent, cut off over 16 MiB', () => {
    const { socket, client } = liveClient({ limits: null });
    client.feed.goLive();
    socket.bufferedAmount = 1024 * 1024;
    client.feed.live(frame(1));
    socket.bufferedAmount = 1024 * 1024 + 1;
    client.feed.live(frame(2));
    client.feed.live(lifecycle(1));
    socket.bufferedAmount = 16 * 1024 * 1024;
    client.feed.live(lifecycle(2));
    expect(socket.closed).toBeUndefined();
    socket.bufferedAmount = 16 * 1024 * 1024 + 1;
    client.feed.live(lifecycle(3));
    expect(summary(socket.sent)).toEqual(['frame 1@0', 'status@1', 'status@2']);
    expect(socket.closed?.code).toBe(WS_CLOSE_CODES.TRY_AGAIN_LATER);
  });

  it('takes each limit from its options, the other from the defaults', () => {
    const { socket, client } = liveClient({ limits: { WS_MAX_BUFFERED_BYTES: 64 * 1024 * 1024 } });
    client.feed.goLive();
    socket.bufferedAmount = 32 * 1024 * 1024;
    client.feed.live(frame(1));
    client.feed.live(lifecycle(1));
    expect(summary(socket.sent)).toEqual(['status@1']);
    expect(socket.closed).toBeUndefined();
  });
});
