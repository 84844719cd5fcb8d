#!/usr/bin/env node
'use strict';
// How many sessions ONE worker keeps speaking at 25 fps on time. Starts the
// platform (gateway, one worker, notifier; `npm run build` first), then for each
// level of --levels: that many sessions speak a long text at once, and the bench
// listens to their frames on NATS directly (live.<tenant>.<session>.frame, or
// evt.… on a build from before frames moved there) and measures the gap between
// consecutive frames of each session, as a subscriber sees it, for --seconds.
//
//   npm run bench:capacity:worker -- [--levels 50,100,200,500,800] [--seconds 10]
//                                    [--stop-above 500]   (ms p99: skip higher levels)
//
// Prints per level: distinct frames received vs expected, frames seen twice
// (duplicates), frames of sessions of an earlier level that should have stopped
// (strays), gap p50/p99/max, the worker's CPU and RSS; then the most sessions with gap p99 ≤ 60 ms (target: ≥ 500).
const { performance } = require('node:perf_hooks');
const path = require('node:path');
const { connect } = require('@nats-io/transport-node');
const { startPlatform, stopOnSignals } = require('./lib/platform');
const { postJson } = require('./lib/targets');
const { mapLimit, processStatus } = require('./lib/pool');
const { percentile, maxOf, table, ms, flags, listFlag, sleep } = require('./lib/stats');

const opts = flags({ levels: '50,100,200,500,800', seconds: 10, warmup: 2, stopAbove: 500, fps: 25 });
const levels = listFlag(opts.levels);
const log = (line) => console.log(`[bench] ${line}`);
const TARGET_P99_MS = 60;

function frameSubject(tenantId) {
  const contracts = require(path.join(__dirname, '..', 'dist', 'libs', 'contracts', 'src'));
  return contracts.LIVE_SUBJECT_ROOT ? `${contracts.LIVE_SUBJECT_ROOT}.${tenantId}.*.frame` : `evt.${tenantId}.*.frame`;
}

async function level(platform, nc, subject, sessions) {
  const api = (route, body) => postJson(platform.apiUrl + route, body, { authorization: `Bearer ${platform.apiKey}` });
  // Long enough to outlast ramp-up, warm-up and the measurement: 150 words a minute.
  const seconds = opts.warmup + opts.seconds + 30;
  const text = Array.from({ length: Math.ceil((seconds * 150) / 60) }, (_, i) => `word${i}`).join(' ');
  const ids = await mapLimit(Array.from({ length: sessions }), 16, async () => {
    const { session_id } = await api('/v1/streaming.new', { quality: 'low' });
    await api('/v1/streaming.start', { session_id });
    return session_id;
  });
  const mine = new Set(ids);
  const last = new Map(); // session → { at, frame } of its last frame
  const gaps = [];
  let recording = false;
  let frames = 0;
  let duplicates = 0; // the same frame (task, frame_id) seen again
  let strays = 0; // frames of sessions of an earlier level (stopped, still speaking)
  const sub = nc.subscribe(subject, {
    callback: (_err, msg) => {
      const at = performance.now();
      const session = msg.subject.split('.')[2];
      if (!mine.has(session)) {
        if (recording) strays++;
        return;
      }
      const body = JSON.parse(msg.string());
      const event = body.event ?? body;
      const frame = `${event.task_id}/${event.frame_id}`;
      const previous = last.get(session);
      if (previous?.frame === frame) {
        if (recording) duplicates++;
        return;
      }
      last.set(session, { at, frame });
      if (!recording) return;
      frames++;
      if (previous !== undefined) gaps.push(at - previous.at);
    },
  });
  await nc.flush();
  try {
    await mapLimit(ids, 16, (session_id) => api('/v1/avatar.speak', { session_id, text }));
    await sleep(opts.warmup * 1000);
    const workerPid = platform.pid('worker');
    const before = processStatus(workerPid);
    recording = true;
    await sleep(opts.seconds * 1000);
    recording = false;
    const after = processStatus(workerPid);
    const speaking = [...last.keys()].length;
    return {
      sessions,
      speaking,
      duplicates,
      strays,
      expected: sessions * opts.fps * opts.seconds,
      frames,
      p50: percentile(gaps, 50),
      p99: percentile(gaps, 99),
      max: maxOf(gaps),
      cpu: (after.cpuSeconds - before.cpuSeconds) / opts.seconds,
      rss: after.rssMiB,
    };
  } finally {
    sub.unsubscribe();
    await mapLimit(ids, 16, (session_id) => api('/v1/streaming.stop', { session_id }).catch(() => undefined));
  }
}

async function main() {
  const stoppers = [];
  stopOnSignals(stoppers);
  const max = Math.max(...levels);
  log(`starting the platform with one worker (WORKER_CONCURRENCY=${max})`);
  const platform = await startPlatform({ log, env: { WORKER_CONCURRENCY: String(max), LOCAL_FRAMES_PER_SECOND: String(opts.fps) } });
  stoppers.push(platform.stop);
  // As the platform's notifier user: it reads frames off live.>, as the notifier does.
  const nc = await connect(platform.natsOptions('notifier'));
  stoppers.unshift(() => nc.close());
  const subject = frameSubject(platform.tenantId);
  log(`frames on ${subject}`);
  const results = [];
  try {
    for (const sessions of levels) {
      const r = await level(platform, nc, subject, sessions);
      results.push(r);
      log(`${sessions} sessions: gap p50 ${ms(r.p50)} p99 ${ms(r.p99)} max ${ms(r.max)}, ${r.frames}/${r.expected} frames, worker CPU ${(r.cpu * 100).toFixed(0)} %, RSS ${r.rss.toFixed(0)} MiB`);
      if (!(r.p99 <= opts.stopAbove)) {
        log(`p99 above ${opts.stopAbove} ms: not trying more sessions`);
        break;
      }
      await sleep(1000);
    }
  } finally {
    await Promise.allSettled(stoppers.map((stop) => stop()));
  }
  const rows = [['sessions', 'speaking', 'frames received/expected', 'duplicates', 'strays', 'gap p50', 'gap p99', 'gap max', 'worker CPU', 'worker RSS']];
  for (const r of results) rows.push([r.sessions, r.speaking, `${r.frames}/${r.expected} (${((100 * r.frames) / r.expected).toFixed(0)} %)`, r.duplicates, r.strays, ms(r.p50), ms(r.p99), ms(r.max), `${(r.cpu * 100).toFixed(0)} %`, `${r.rss.toFixed(0)} MiB`]);
  const ok = results.filter((r) => r.p99 <= TARGET_P99_MS && r.frames >= 0.95 * r.expected).map((r) => r.sessions);
  console.log(`\ncapacity-worker: one worker, ${opts.fps} fps, frame gaps per session as seen on NATS over ${opts.seconds} s per level\n`);
  console.log(table(rows));
  console.log(`\nmost sessions with frame-interval p99 ≤ ${TARGET_P99_MS} ms (and ≥ 95 % of frames): ${ok.length ? Math.max(...ok) : 'none of the levels tried'} (target ≥ 500)`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`capacity-worker failed: ${error.stack}`);
    process.exit(1);
  },
);
