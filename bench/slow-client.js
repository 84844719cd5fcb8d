#!/usr/bin/env node
'use strict';
// Slow clients on one session: do they cost the fast ones frames or latency, and the
// notifier memory? Starts the whole platform from dist/ (`npm run build` first) with the
// local provider speaking silently at --fps frames per second, and on the same platform,
// one after another:
//   1. "fast only":            --fast clients watch a session that speaks --seconds of text;
//   2. "fast + slow":          the same, plus --slow clients that stop reading (their TCP
//                              socket paused) 1 s after the speak until --lag-share of the
//                              speech, then read again;
//   3. "same, media not dropped": run 2 against a second notifier whose WS_MEDIA_DROP_BYTES
//                              is just under WS_MAX_BUFFERED_BYTES (media never dropped
//                              before the cut-off): what the drop saves.
// Prints, per run: frames per fast client vs frames the task emitted (ratio), the fast
// clients' frame latency (frame timestamp → arrival: during the lag, after it, overall),
// frames per slow client, whether the slow ones got every lifecycle event, their
// MEDIA_DROPPED notices, how many were cut off (1013), the notifier's RSS growth while
// they lag (VmRSS from /proc every 100 ms, over its value when they stop reading, all
// clients having read for a second) and its CPU time from then to the end.
//
//   npm run bench:slow-client -- [--fast 4] [--slow 4] [--fps 2000] [--seconds 12]
//                                [--lag-share 0.75] [--drop-bytes 1048576] [--max-bytes 16777216]
//
// 2,000 frames/s of the local provider's ~600-byte frames is ~1.2 MB/s per socket, the
// bitrate of a 720p video stream; at 25 fps the same lag would take minutes to matter.
// The slow clients run in a child process: reading their backlog when they resume would
// otherwise hold up this process's event loop and show up as the fast clients' latency.
// Everything shares this machine's CPUs, so the latency figures include that.
const path = require('node:path');
const { fork } = require('node:child_process');
const WebSocket = require('ws');

const FRAME_MARK = Buffer.from('"type":"frame"');

/**
 * A client that records what it gets: frames (parsed, with their latency, unless
 * `counting`: then only counted), lifecycle events, MEDIA_DROPPED notices, its close code.
 * `stopReading()` pauses its TCP socket, as a stalled client's would be.
 */
function watch(url, { counting = false } = {}) {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const client = {
    ws,
    frames: 0,
    frameIds: [],
    latenciesMs: [],
    arrivals: [],
    lifecycle: [],
    notices: [],
    closed: null,
    waiters: new Set(),
    stopReading: () => ws._socket.pause(),
    readAgain: () => ws._socket.resume(),
    /** Resolves with the first event (frames aside) matching, already received or to come; a close is `{type: 'closed'}`. */
    waitFor(predicate, timeoutMs = 120_000) {
      const seen = [...client.lifecycle, ...(client.closed === null ? [] : [{ type: 'closed', code: client.closed }])].find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = { predicate, resolve };
        waiter.timer = setTimeout(() => (client.waiters.delete(waiter), reject(new Error('timed out waiting for an event'))), timeoutMs);
        client.waiters.add(waiter);
      });
    },
  };
  const settle = (event) => {
    for (const waiter of client.waiters) {
      if (!waiter.predicate(event)) continue;
      client.waiters.delete(waiter);
      clearTimeout(waiter.timer);
      waiter.resolve(event);
    }
  };
  ws.on('message', (data) => {
    if (counting && data.indexOf(FRAME_MARK) >= 0) {
      client.frames++;
      return;
    }
    const event = JSON.parse(String(data));
    if (event.type === 'frame') {
      const now = Date.now();
      client.frames++;
      client.frameIds.push(event.frame_id);
      client.latenciesMs.push(now - event.timestamp * 1000);
      client.arrivals.push(now);
    } else if (event.type === 'error' && event.code === 'MEDIA_DROPPED') client.notices.push(event.message);
    else client.lifecycle.push({ id: event.id, type: event.type, task_id: event.task_id, status: event.status });
    settle(event);
  });
  ws.on('close', (code) => {
    client.closed = code;
    settle({ type: 'closed', code });
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_, res) => reject(new Error(`WebSocket refused: HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

const isIdle = (e) => e.type === 'status' && e.status === 'idle';

// ---- the slow clients' process: commands from the bench over IPC ----
if (process.env.SLOW_CLIENT_CHILD === '1') {
  let clients = [];
  const reply = (message) => process.send(message);
  process.on('message', async ({ cmd, url, count, lastId }) => {
    try {
      if (cmd === 'open') {
        clients = await Promise.all(Array.from({ length: count }, () => watch(url, { counting: true })));
        await Promise.all(clients.map((c) => c.waitFor(isIdle)));
        reply({ done: cmd });
      } else if (cmd === 'stop' || cmd === 'read') {
        clients.forEach((c) => (cmd === 'stop' ? c.stopReading() : c.readAgain()));
        reply({ done: cmd });
      } else if (cmd === 'finish') {
        // Until each has the last lifecycle event of the run, or was cut off.
        await Promise.all(clients.map((c) => c.waitFor((e) => e.type === 'closed' || e.id >= lastId)));
        clients.forEach((c) => c.ws.terminate());
        reply({ done: cmd, clients: clients.map(({ frames, lifecycle, notices, closed }) => ({ frames, lifecycle, notices, closed })) });
      }
    } catch (error) {
      reply({ error: error.stack });
    }
  });
  return;
}

// ---- the bench ----
const infra = require('../scripts/infra');
const { startApps, stopApps, APPS, waitForHttp } = require('../scripts/dev/app-processes');
const steps = require('../scripts/dev/steps');
const { startPlatform, stopOnSignals } = require('./lib/platform');
const { processStatus } = require('./lib/pool');
const { percentile, table, flags, sleep } = require('./lib/stats');

const opts = flags({ fast: 4, slow: 4, fps: 2000, seconds: 12, lagShare: 0.75, dropBytes: 1024 * 1024, maxBytes: 16 * 1024 * 1024 });
const WORDS_PER_MINUTE = 150;
/** Slow clients read this long after the speak before they stop. */
const WARM_UP_MS = 1000;
const log = (line) => console.log(`[bench] ${line}`);
const dist = (...p) => require(path.join(__dirname, '..', 'dist', 'libs', ...p));

/** About `seconds` of speech at WORDS_PER_MINUTE. */
function speechOf(seconds) {
  const words = ['the', 'avatar', 'keeps', 'talking', 'while', 'some', 'of', 'its', 'watchers', 'lag', 'behind'];
  return Array.from({ length: Math.round((seconds * WORDS_PER_MINUTE) / 60) }, (_, i) => words[i % words.length]).join(' ') + '.';
}

/** The slow clients, in a child process. */
function slowClientProcess() {
  const child = fork(__filename, [], { env: { ...process.env, SLOW_CLIENT_CHILD: '1' }, stdio: 'inherit' });
  let pending;
  child.on('message', (message) => {
    const p = pending;
    pending = undefined;
    if (message.error) p?.reject(new Error(`slow clients: ${message.error}`));
    else p?.resolve(message);
  });
  return {
    call: (message) =>
      new Promise((resolve, reject) => {
        pending = { resolve, reject };
        child.send(message);
      }),
    stop: () => child.kill(),
  };
}

async function api(platform, route, body) {
  const response = await fetch(platform.apiUrl + route, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${platform.apiKey}` },
    body: JSON.stringify(body),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`POST ${route}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/** One session, `fast` + `slow` clients on `wsUrl`, one task of `text`; what each got and what the notifier grew by. */
async function run(platform, slowProcess, { wsUrl, notifierPid, fast, slow, text }) {
  const created = await api(platform, '/v1/streaming.new', { quality: 'medium' });
  await api(platform, '/v1/streaming.start', { session_id: created.session_id });
  const url = `${wsUrl}/ws/${created.session_id}?token=${encodeURIComponent(created.access_token)}`;
  const fastClients = await Promise.all(Array.from({ length: fast }, () => watch(url)));
  try {
    await Promise.all(fastClients.map((c) => c.waitFor(isIdle)));
    if (slow > 0) await slowProcess.call({ cmd: 'open', url, count: slow });
    const spokenAt = Date.now();
    const { task_id: taskId } = await api(platform, '/v1/avatar.speak', { session_id: created.session_id, text });
    const idleAfterTask = async (c) => {
      const ended = await c.waitFor((e) => e.type === 'task.completed' && e.task_id === taskId);
      return c.waitFor((e) => isIdle(e) && e.id > ended.id);
    };
    const completed = Promise.all(fastClients.map(idleAfterTask));
    // Everybody reads for a while first: the baseline is the notifier under this traffic, not idle.
    await sleep(WARM_UP_MS);
    const before = processStatus(notifierPid);
    if (slow > 0) await slowProcess.call({ cmd: 'stop' });
    const lagFrom = Date.now();
    // The lag: up to lagShare of the speech (the same window without slow clients).
    const lagUntil = spokenAt + opts.seconds * opts.lagShare * 1000;
    let peak = before.rssMiB;
    while (Date.now() < lagUntil) {
      await sleep(100);
      peak = Math.max(peak, processStatus(notifierPid).rssMiB);
    }
    if (slow > 0) await slowProcess.call({ cmd: 'read' });
    const lastId = (await completed)[0].id;
    const slowClients = slow > 0 ? (await slowProcess.call({ cmd: 'finish', lastId })).clients : [];
    const latencies = (from, until) => fastClients.flatMap((c) => c.arrivals.flatMap((at, i) => (at >= from && at < until ? [c.latenciesMs[i]] : [])));
    return {
      fastClients,
      slowClients,
      rssGrowthMiB: peak - before.rssMiB,
      cpuSeconds: processStatus(notifierPid).cpuSeconds - before.cpuSeconds,
      lagLatenciesMs: latencies(lagFrom, lagUntil),
      catchUpLatenciesMs: latencies(lagUntil, Infinity),
    };
  } finally {
    fastClients.forEach((c) => c.ws.terminate());
  }
}

/** A second notifier on this platform with other limits (its own port and process). */
async function startNotifier(platform, env) {
  const port = await infra.freePort();
  const apps = startApps({ root: steps.root, env: { ...platform.env, NOTIFIER_PORT: String(port), ...env }, log: (line) => log(`notifier 2: ${line}`), apps: APPS.filter((a) => a.name === 'notifier') });
  await waitForHttp(port, { isAlive: () => true });
  return { wsUrl: `ws://127.0.0.1:${port}`, pid: apps[0].child.pid, stop: () => stopApps(apps) };
}

/** The slow client got every lifecycle event the fast one got (up to where it was cut off, if it was). */
function sameLifecycle(slow, fast) {
  const ids = (c) => c.lifecycle.map((e) => `${e.id}:${e.type}`);
  const got = ids(slow);
  return JSON.stringify(got) === JSON.stringify(ids(fast).slice(0, got.length)) && (slow.closed === 1013 || got.length === ids(fast).length);
}

function summary(result, emitted) {
  const { fastClients, slowClients, rssGrowthMiB, cpuSeconds, lagLatenciesMs, catchUpLatenciesMs } = result;
  const p50p99 = (values) => `${percentile(values, 50).toFixed(0)} / ${percentile(values, 99).toFixed(0)} ms`;
  const fastFrames = fastClients.map((c) => c.frames);
  const contiguous = fastClients.every((c) => c.frameIds.every((id, i) => i === 0 || id === c.frameIds[i - 1] + 1));
  const slowFrames = slowClients.map((c) => c.frames);
  const range = (values) => (values.length === 0 ? '—' : `${Math.min(...values)}–${Math.max(...values)}`);
  const dropped = slowClients.map((c) => c.notices.reduce((n, m) => n + Number(/^(\d+) frames/.exec(m)?.[1] ?? 0), 0));
  const some = slowClients.length > 0;
  return {
    fast: `${Math.min(...fastFrames)} (${((100 * Math.min(...fastFrames)) / emitted).toFixed(1)} %)${contiguous ? '' : ', gaps!'}`,
    lagLatency: p50p99(lagLatenciesMs),
    catchUpLatency: p50p99(catchUpLatenciesMs),
    latency: p50p99(fastClients.flatMap((c) => c.latenciesMs)),
    slow: some ? `${range(slowFrames)} (${((100 * Math.max(...slowFrames)) / emitted).toFixed(0)} % max)` : '—',
    lifecycle: some ? (slowClients.every((c) => sameLifecycle(c, fastClients[0])) ? 'all' : 'MISSING') : '—',
    notices: some ? `${slowClients.reduce((n, c) => n + c.notices.length, 0)} (${range(dropped)} frames each)` : '—',
    cutOff: some ? `${slowClients.filter((c) => c.closed === 1013).length} of ${slowClients.length}` : '—',
    rss: `${rssGrowthMiB.toFixed(1)} MiB`,
    cpu: `${cpuSeconds.toFixed(1)} s`,
  };
}

async function main() {
  const { framesOf, visemeTrack } = dist('providers', 'src');
  const text = speechOf(opts.seconds);
  const emitted = framesOf(visemeTrack(text, { wordsPerMinute: WORDS_PER_MINUTE }), opts.fps).length;
  const stoppers = [];
  stopOnSignals(stoppers);
  log(`starting the platform (local provider, silent, ${opts.fps} fps)`);
  const platform = await startPlatform({
    log,
    env: {
      LOCAL_SPEECH: 'silent',
      LOCAL_FRAMES_PER_SECOND: String(opts.fps),
      SPEECH_WORDS_PER_MINUTE: String(WORDS_PER_MINUTE),
      WS_MAX_SOCKETS_PER_SESSION: String(opts.fast + opts.slow + 1),
      WS_MEDIA_DROP_BYTES: String(opts.dropBytes),
      WS_MAX_BUFFERED_BYTES: String(opts.maxBytes),
    },
  });
  stoppers.push(platform.stop);
  const slowProcess = slowClientProcess();
  stoppers.unshift(async () => slowProcess.stop());
  try {
    const first = { wsUrl: platform.wsUrl, notifierPid: platform.pid('notifier'), text };
    log(`run 1: ${opts.fast} fast clients, ${emitted} frames over ${opts.seconds} s`);
    const alone = await run(platform, slowProcess, { ...first, fast: opts.fast, slow: 0 });
    log(`run 2: ${opts.fast} fast + ${opts.slow} slow clients`);
    const withSlow = await run(platform, slowProcess, { ...first, fast: opts.fast, slow: opts.slow });
    log('run 3: the same against a notifier that never drops media before the cut-off');
    const noDrop = await startNotifier(platform, { WS_MEDIA_DROP_BYTES: String(opts.maxBytes - 1) });
    stoppers.unshift(noDrop.stop);
    const withoutDrop = await run(platform, slowProcess, { wsUrl: noDrop.wsUrl, notifierPid: noDrop.pid, text, fast: opts.fast, slow: opts.slow });

    const rows = [alone, withSlow, withoutDrop].map((r) => summary(r, emitted));
    console.log(
      `\nslow-client: one session, ${emitted} frames in ${opts.seconds} s (${opts.fps} fps); slow clients stop reading ${WARM_UP_MS / 1000} s after the speak until ${Math.round(opts.lagShare * 100)} % of it;` +
        ` WS_MEDIA_DROP_BYTES ${opts.dropBytes}, WS_MAX_BUFFERED_BYTES ${opts.maxBytes}\n`,
    );
    console.log(
      table([
        ['figure', `${opts.fast} fast`, `${opts.fast} fast + ${opts.slow} slow`, 'same, media not dropped'],
        ['frames per fast client (min, of emitted)', ...rows.map((r) => r.fast)],
        ['fast frame latency p50 / p99, during the lag', ...rows.map((r) => r.lagLatency)],
        ['fast frame latency p50 / p99, after it', ...rows.map((r) => r.catchUpLatency)],
        ['fast frame latency p50 / p99, whole task', ...rows.map((r) => r.latency)],
        ['frames per slow client', ...rows.map((r) => r.slow)],
        ['slow: lifecycle events received', ...rows.map((r) => r.lifecycle)],
        ['slow: MEDIA_DROPPED notices', ...rows.map((r) => r.notices)],
        ['slow: cut off (1013)', ...rows.map((r) => r.cutOff)],
        ['notifier RSS growth while they lag', ...rows.map((r) => r.rss)],
        ['notifier CPU from the lag to the end', ...rows.map((r) => r.cpu)],
      ]),
    );
  } finally {
    await Promise.allSettled(stoppers.map((stop) => stop()));
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`slow-client failed: ${error.stack}`);
    process.exit(1);
  },
);
