import fs from 'node:fs';
import * as infra from '../../scripts/infra';
import { framesOf, visemeTrack } from '../../libs/providers/src';
import { WS_CLOSE_CODES, WS_ERROR_CODES } from '../../libs/contracts/src';
import { apiClient, ApiClient, EventSocket, openSocket, sessionSocketUrl, SocketEvent, startedSession } from '../support/clients';
import { AppProcess, Platform, startPlatform } from '../support/platform';

// Several clients watch one session; some stop reading (their TCP socket paused, as a
// client on a bad link or a frozen tab does). The notifier must keep the others' frames
// flowing, drop only the slow ones' media, never their lifecycle events, keep its own
// memory bounded, and cut off a client that still lags too far (ADR 0004, "slow clients").

/** A frame rate high enough that a client that stops reading leaves tens of MiB unsent within seconds. */
const FPS = 3000;
const WORDS_PER_MINUTE = 150;
/** Small thresholds so the test is quick (defaults: 1 MiB and 16 MiB). */
const MEDIA_DROP_BYTES = 64 * 1024;
/** So high that without the drop nothing would stop the slow client's backlog: the memory bound is the drop's doing. */
const MAX_BUFFERED_BYTES = 1024 * 1024 * 1024;
/**
 * The notifier's RSS may grow by less than this while the slow clients lag (measured:
 * ~2.5 MiB). Without the drop each slow client's backlog is every frame once its kernel
 * buffers are full (~3,000 fps × ~600 B): measured +34 MiB over the lag, and rising by
 * ~7.5 MiB a second.
 */
const RSS_GROWTH_BOUND_MIB = 16;

/** ~8.5 s of speech each at 150 words per minute: the lag covers the end of the first and the start of the second. */
const SPEECHES = [
  'The avatar keeps on talking while some of its watchers have stopped reading the socket, and it does not wait for them at all.',
  'Then it goes on with a second sentence, queued behind the first, which starts while the slow watchers still lag behind.',
];
/** How long the slow clients read at full rate before they stop (the heap settles under the traffic). */
const WARM_UP_MS = 1_500;
/** How long the slow clients stop reading: past the first task's end, and they catch up while the second still speaks. */
const LAG_MS = 8_000;
const SLOW_CLIENTS = 3;

interface Closed {
  code: number;
  reason: string;
}

function closeOf(socket: EventSocket): Promise<Closed> {
  return new Promise((resolve) => socket.ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The client stops reading: nothing more is taken from its TCP socket (the kernel buffers fill, then the notifier's). */
function stopReading(socket: EventSocket): void {
  (socket.ws as any)._socket.pause();
}
function resumeReading(socket: EventSocket): void {
  (socket.ws as any)._socket.resume();
}

const isNotice = (e: SocketEvent) => e.type === 'error' && e.code === WS_ERROR_CODES.MEDIA_DROPPED;
/** The session's stream events (what a reconnect replays): no media, no message of the notifier's own. */
const streamEvents = (events: SocketEvent[]) => events.filter((e) => e.type !== 'frame' && e.type !== 'audio' && !isNotice(e));
const idsAndTypes = (events: SocketEvent[]) => streamEvents(events).map((e) => [e.id, e.type, e.task_id]);
const framesOfTask = (events: SocketEvent[], taskId: string) => events.filter((e) => e.type === 'frame' && e.task_id === taskId);

function rssMiB(app: AppProcess): number {
  const status = fs.readFileSync(`/proc/${app.pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)![1]) / 1024;
}

async function idleAfter(socket: EventSocket, taskId: string): Promise<void> {
  const completed = await socket.waitFor((e) => e.type === 'task.completed' && e.task_id === taskId, 30_000);
  await socket.waitFor((e) => e.type === 'status' && e.status === 'idle' && e.id! > completed.id!);
}

describe('slow clients: media dropped for a lagging socket, never lifecycle events; memory bounded', () => {
  let platform: Platform;
  let api: ApiClient;
  let notifier: AppProcess;

  beforeAll(async () => {
    platform = await startPlatform({
      env: {
        LOCAL_FRAMES_PER_SECOND: String(FPS),
        SPEECH_WORDS_PER_MINUTE: String(WORDS_PER_MINUTE),
        WS_MEDIA_DROP_BYTES: String(MEDIA_DROP_BYTES),
        WS_MAX_BUFFERED_BYTES: String(MAX_BUFFERED_BYTES),
      },
    });
    api = apiClient(platform.apiUrl, platform.tenants.a.apiKey);
    notifier = platform.apps.find((app) => app.name === 'notifier')!;
  });
  afterAll(() => platform?.stop());

  describe(`a fast client and ${SLOW_CLIENTS} slow ones on one session, at a high frame rate`, () => {
    let fast: EventSocket;
    let slow: EventSocket[];
    let taskIds: string[];
    /** The stream events the fast client got while the slow ones were not reading. */
    let duringLag: SocketEvent[];
    let rss: { before: number; peak: number; samples: number[] };

    beforeAll(async () => {
      const { sessionId, token } = await startedSession(api);
      const url = sessionSocketUrl(platform.wsUrl, sessionId, token);
      fast = await openSocket(url);
      slow = await Promise.all(Array.from({ length: SLOW_CLIENTS }, () => openSocket(url)));
      await Promise.all([fast, ...slow].map((s) => s.waitFor((e) => e.type === 'status' && e.status === 'idle')));

      taskIds = [];
      for (const text of SPEECHES) taskIds.push((await api.post('/v1/avatar.speak', { session_id: sessionId, text })).body.task_id);
      await fast.waitFor((e) => e.type === 'frame' && e.task_id === taskIds[0]);
      // The baseline with every client reading at full rate: what the lag adds, not the traffic.
      await new Promise((r) => setTimeout(r, WARM_UP_MS));
      const before = rssMiB(notifier);
      slow.forEach(stopReading);
      const lagStart = fast.events.length;
      const samples: number[] = [];
      const lagEnds = Date.now() + LAG_MS;
      while (Date.now() < lagEnds) {
        await new Promise((r) => setTimeout(r, 100));
        samples.push(rssMiB(notifier));
      }
      rss = { before, peak: Math.max(before, ...samples), samples };
      duringLag = streamEvents(fast.events.slice(lagStart));
      // Resumed while the task still speaks: the slow clients drain, then get frames again.
      slow.forEach(resumeReading);
      await Promise.all([fast, ...slow].map((s) => idleAfter(s, taskIds[1])));
    }, 90_000);
    afterAll(() => Promise.all([fast, ...(slow ?? [])].map((s) => s?.close())));

    it('the fast client gets every frame of both tasks, contiguous, and every lifecycle event', () => {
      for (const [i, text] of SPEECHES.entries()) {
        const spoken = framesOf(visemeTrack(text, { wordsPerMinute: WORDS_PER_MINUTE }), FPS);
        const frames = framesOfTask(fast.events, taskIds[i]);
        expect(frames).toHaveLength(spoken.length);
        const first = frames[0].frame_id;
        expect(frames.map((f) => f.frame_id)).toEqual(spoken.map((_, n) => first + n));
        expect(frames.map((f) => f.viseme)).toEqual(spoken);
      }
      expect(fast.events.some(isNotice)).toBe(false);
      expect(streamEvents(fast.events).map((e) => e.type)).toEqual(expect.arrayContaining(['session.started', 'task.started', 'task.completed']));
    });

    it('each slow client gets every lifecycle event in order, those of the lag too, fewer frames, and a MEDIA_DROPPED notice per lag episode with the counts', () => {
      // The lag covered a task's end and the next one's start: lifecycle events queued behind dropped frames.
      expect(duringLag.map((e) => [e.type, e.task_id])).toEqual(expect.arrayContaining([['task.completed', taskIds[0]], ['task.started', taskIds[1]]]));
      const fastFrames = fast.events.filter((e) => e.type === 'frame');
      for (const client of slow) {
        expect(idsAndTypes(client.events)).toEqual(idsAndTypes(fast.events));
        const frames = client.events.filter((e) => e.type === 'frame');
        expect(frames.length).toBeLessThan(fastFrames.length);
        // Frames flowed again after the lag (it caught up while the second task spoke).
        expect(framesOfTask(client.events, taskIds[1]).length).toBeGreaterThan(0);

        // One notice per lag episode (a client that falls behind again while it catches up has a second one).
        const notices = client.events.filter(isNotice);
        expect(notices.length).toBeGreaterThanOrEqual(1);
        const counts = notices.map((n) => /^(\d+) frames and (\d+) audio chunks dropped: the client reads too slowly$/.exec(n.message)!.slice(1).map(Number));
        // Every frame is either delivered or counted as dropped, once.
        expect(counts.reduce((sum, [dropped]) => sum + dropped, 0)).toBe(fastFrames.length - frames.length);
        expect(counts.every(([dropped, audio]) => dropped > 0 && audio === 0)).toBe(true);
        for (const notice of notices) {
          // Stamped with the current id: that of the last lifecycle event before it.
          const at = client.events.indexOf(notice);
          expect(notice.id).toBe(streamEvents(client.events.slice(0, at)).at(-1)!.id);
        }
        // Ids never go back on a slow socket either.
        const ids = client.events.map((e) => e.id!);
        expect(ids).toEqual([...ids].sort((a, b) => a - b));
      }
    });

    it(`the notifier's memory grows by less than ${RSS_GROWTH_BOUND_MIB} MiB while the slow clients lag`, () => {
      // Printed so a run shows how far from the bound it is.
      const trace = rss.samples.filter((_, i) => i % 10 === 9).map((m) => (m - rss.before).toFixed(1));
      console.log(`slow-client e2e: notifier RSS ${rss.before.toFixed(0)} MiB before the lag, grew by ${(rss.peak - rss.before).toFixed(1)} MiB at most (each second: +${trace.join(', +')}) during a ${LAG_MS / 1000} s lag of ${SLOW_CLIENTS} clients at ${FPS} fps`);
      expect(rss.peak - rss.before).toBeLessThan(RSS_GROWTH_BOUND_MIB);
    });
  });

  it('disconnected mid-speech, a client reconnecting with last_event_id gets exactly the lifecycle events it missed', async () => {
    const { sessionId, token } = await startedSession(api);
    const watcher = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));
    const leaving = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));
    const texts = ['First of three sentences, spoken for a second or two.', 'The second one.', 'And the third one.'];
    const taskIds: string[] = [];
    for (const text of texts) taskIds.push((await api.post('/v1/avatar.speak', { session_id: sessionId, text })).body.task_id);
    await leaving.waitFor((e) => e.type === 'frame' && e.task_id === taskIds[0]);
    await leaving.close();
    const lastId = leaving.events.at(-1)!.id!;

    await idleAfter(watcher, taskIds[2]);
    const resumed = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token, `&last_event_id=${lastId}`));
    const watcherLast = streamEvents(watcher.events).at(-1)!;
    await resumed.waitFor((e) => e.id === watcherLast.id && e.type === watcherLast.type);
    await new Promise((r) => setTimeout(r, 200)); // nothing else comes

    // Exactly what the watcher got after the last id the client had: no gap, no duplicate, no stale frame.
    expect(idsAndTypes(resumed.events)).toEqual(idsAndTypes(watcher.events).filter(([id]) => id! > lastId));
    expect([...idsAndTypes(leaving.events), ...idsAndTypes(resumed.events)]).toEqual(idsAndTypes(watcher.events));
    expect(resumed.events.map((e) => e.type)).toEqual(expect.arrayContaining(['task.completed', 'task.started']));
    expect(resumed.events.some((e) => e.type === 'frame')).toBe(false);
    await Promise.all([watcher.close(), resumed.close()]);
  });

  it('cuts off a client that lets more than WS_MAX_BUFFERED_BYTES go unread (1013, why); it resumes with last_event_id and misses nothing', async () => {
    // A second notifier with tiny limits: once the kernel buffers are full, the lifecycle
    // events queued behind the dropped frames alone exceed the maximum.
    const port = await infra.freePort();
    await platform.startApp('notifier', { NOTIFIER_PORT: String(port), WS_MEDIA_DROP_BYTES: '1024', WS_MAX_BUFFERED_BYTES: '2048' });
    const strictUrl = `ws://127.0.0.1:${port}`;
    const { sessionId, token } = await startedSession(api);
    const watcher = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));
    const slow = await openSocket(sessionSocketUrl(strictUrl, sessionId, token));
    const closed = closeOf(slow);
    await slow.waitFor((e) => e.type === 'status' && e.status === 'idle');
    stopReading(slow);

    // The first task's frames fill the kernel buffers (a few MiB at this frame rate), the others' lifecycle events the notifier's.
    const texts = ['A few seconds of speech at a high frame rate fill every buffer between the notifier and the client.', 'One.', 'Two.', 'Three.'];
    const taskIds: string[] = [];
    for (const text of texts) taskIds.push((await api.post('/v1/avatar.speak', { session_id: sessionId, text })).body.task_id);
    await idleAfter(watcher, taskIds.at(-1)!);

    resumeReading(slow);
    expect(await within(closed, 10_000, 'no close once the client read its backlog')).toEqual({
      code: WS_CLOSE_CODES.TRY_AGAIN_LATER,
      reason: 'client too slow: reconnect with last_event_id',
    });
    const got = streamEvents(slow.events);
    const lastId = slow.events.at(-1)!.id!;
    // Cut off before the end: there is something to resume.
    expect(lastId).toBeLessThan(streamEvents(watcher.events).at(-1)!.id!);

    const resumed = await openSocket(sessionSocketUrl(strictUrl, sessionId, token, `&last_event_id=${lastId}`));
    const watcherLast = streamEvents(watcher.events).at(-1)!;
    await resumed.waitFor((e) => e.id === watcherLast.id && e.type === watcherLast.type);
    await new Promise((r) => setTimeout(r, 200));
    expect([...idsAndTypes(got), ...idsAndTypes(resumed.events)]).toEqual(idsAndTypes(watcher.events));
    await Promise.all([watcher.close(), resumed.close()]);
  });
});
