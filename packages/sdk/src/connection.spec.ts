import { SessionConnection, SessionConnectionOptions } from './connection';

/** A WebSocket stand-in the test drives: what the server would do. */
class FakeSocket {
  static instances: FakeSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  onopen: ((e: unknown) => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  onerror: ((e: { message?: string }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.instances.push(this);
  }
  get query(): URLSearchParams {
    return new URL(this.url).searchParams;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  deliver(message: object): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  drop(code: number, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
  refuse(status: number): void {
    this.onerror?.({ message: `Unexpected server response: ${status}` });
    this.drop(1006);
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(): void {
    this.readyState = 3;
  }
}

const latest = () => FakeSocket.instances[FakeSocket.instances.length - 1];
const jwt = (exp: number) => `h.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.s`;
const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!check()) throw new Error('condition not met');
};

function connection(options: Partial<SessionConnectionOptions> = {}): SessionConnection {
  return new SessionConnection({
    wsUrl: 'ws://notifier/ws/',
    sessionId: 'S-1',
    token: 'tok-1',
    reconnect: { initialDelayMs: 1, maxDelayMs: 2 },
    WebSocket: FakeSocket as never,
    ...options,
  });
}

describe('SessionConnection', () => {
  beforeEach(() => (FakeSocket.instances = []));

  it('opens {wsUrl}/{sessionId} with the token, resolves connect() once open, and hands each message to its type’s listeners', async () => {
    const conn = connection();
    const opened = conn.connect();
    expect(latest().url).toBe('ws://notifier/ws/S-1?token=tok-1');
    latest().open();
    await opened;
    const frames: number[] = [];
    const lifecycle: string[] = [];
    conn.on('frame', (f) => frames.push(f.frame_id));
    conn.on('event', (e) => lifecycle.push(e.type));
    latest().deliver({ type: 'task.started', id: 3, session_id: 'S-1', task_id: 't', duration_estimate: 1, attempt: 1 });
    latest().deliver({ type: 'frame', id: 3, session_id: 'S-1', frame_id: 1, task_id: 't', viseme: 'aa', data: '', mime_type: 'image/svg+xml', timestamp: 0 });
    expect(frames).toEqual([1]);
    expect(lifecycle).toEqual(['task.started']);
    expect(conn.lastEventId).toBe(3);
  });

  it('reconnects after a drop and resumes after the last event it saw', async () => {
    const conn = connection();
    const states: string[] = [];
    conn.on('state', (s) => states.push(s));
    const opened = conn.connect();
    latest().open();
    await opened;
    latest().deliver({ type: 'task.started', id: 7, session_id: 'S-1', task_id: 't', duration_estimate: 1, attempt: 1 });
    latest().deliver({ type: 'frame', id: 7, session_id: 'S-1', frame_id: 1, task_id: 't', viseme: 'aa', data: '', mime_type: 'x', timestamp: 0 });
    latest().drop(1012, 'service restart');
    await until(() => FakeSocket.instances.length === 2);
    expect(latest().query.get('last_event_id')).toBe('7');
    latest().open();
    expect(states).toEqual(['connecting', 'open', 'reconnecting', 'open']);
  });

  it('ends for good after session.stopped: no reconnect when the server closes with 1000', async () => {
    const conn = connection();
    const closed = jest.fn();
    conn.on('closed', closed);
    const opened = conn.connect();
    latest().open();
    await opened;
    latest().deliver({ type: 'session.stopped', id: 9, session_id: 'S-1', duration: 1.5, billed_seconds: 2, reason: 'client_stop' });
    latest().drop(1000, 'session stopped');
    await new Promise((r) => setTimeout(r, 30));
    expect(FakeSocket.instances).toHaveLength(1);
    expect(conn.state).toBe('closed');
    expect(closed).toHaveBeenCalledTimes(1);
  });

  it('on 4001 (token expired) gets a fresh token and reconnects with it at once', async () => {
    const refreshToken = jest.fn().mockResolvedValue('tok-2');
    const conn = connection({ refreshToken, reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 } });
    const opened = conn.connect();
    latest().open();
    await opened;
    latest().drop(4001, 'token expired');
    await until(() => FakeSocket.instances.length === 2);
    expect(refreshToken).toHaveBeenCalledTimes(1);
    expect(latest().query.get('token')).toBe('tok-2');
  });

  it('without refreshToken, an expired token ends the connection instead of looping', async () => {
    const conn = connection();
    const opened = conn.connect();
    latest().open();
    await opened;
    latest().drop(4001, 'token expired');
    expect(conn.state).toBe('closed');
  });

  it('refreshes the token ahead of its expiry (its margin, at most half its life), not before', async () => {
    jest.useFakeTimers();
    try {
      const refreshToken = jest.fn().mockResolvedValue('tok-2');
      const conn = connection({ token: jwt(Math.floor(Date.now() / 1000) + 12), refreshToken, refreshMarginSeconds: 60 });
      const opened = conn.connect();
      latest().open();
      await opened;
      jest.advanceTimersByTime(5_000);
      expect(refreshToken).not.toHaveBeenCalled();
      jest.advanceTimersByTime(2_000);
      expect(refreshToken).toHaveBeenCalledTimes(1);
      await Promise.resolve();
      await Promise.resolve();
      expect(conn.accessToken).toBe('tok-2');
      conn.disconnect();
    } finally {
      jest.useRealTimers();
    }
  });

  it('gives up at once on an upgrade refused with 410 (session stopped), and rejects connect()', async () => {
    const conn = connection();
    const opened = conn.connect();
    latest().refuse(410);
    await expect(opened).rejects.toThrow(/410/);
    expect(FakeSocket.instances).toHaveLength(1);
  });

  it('keeps retrying a refused upgrade that may pass later (503), with backoff', async () => {
    const conn = connection();
    const opened = conn.connect();
    latest().refuse(503);
    await until(() => FakeSocket.instances.length === 2);
    latest().open();
    await opened;
    expect(conn.state).toBe('open');
  });

  it('sends the client messages, and commitAudio resolves with the server’s answer or rejects with its error', async () => {
    const conn = connection();
    const opened = conn.connect();
    latest().open();
    await opened;
    conn.interrupt();
    conn.appendAudio(new Uint8Array([1, 0, 2, 0]), 16_000);
    const commit = conn.commitAudio();
    latest().deliver({ type: 'audio_buffer.committed', id: 1, session_id: 'S-1', task_id: 'T', duration: 0.5 });
    await expect(commit).resolves.toMatchObject({ task_id: 'T' });
    const refused = conn.commitAudio();
    latest().deliver({ type: 'error', id: 1, session_id: 'S-1', code: 'AUDIO_BUFFER_EMPTY', message: 'nothing buffered' });
    await expect(refused).rejects.toMatchObject({ code: 'AUDIO_BUFFER_EMPTY' });
    expect(latest().sent.map((m) => JSON.parse(m))).toEqual([
      { type: 'interrupt' },
      { type: 'audio_buffer_append', data: { audio: 'AQACAA==', sample_rate: 16_000 } },
      { type: 'audio_buffer_commit' },
      { type: 'audio_buffer_commit' },
    ]);
  });

  it('a listener that throws does not stop the other listeners', async () => {
    const conn = connection();
    const opened = conn.connect();
    latest().open();
    await opened;
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const seen = jest.fn();
    conn.on('status', () => {
      throw new Error('handler bug');
    });
    conn.on('status', seen);
    latest().deliver({ type: 'status', id: 2, session_id: 'S-1', status: 'speaking', message: '' });
    expect(seen).toHaveBeenCalled();
    expect(errors).toHaveBeenCalled();
    errors.mockRestore();
  });
});
