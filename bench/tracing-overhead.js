#!/usr/bin/env node
'use strict';
// What tracing costs the speak path, side by side in one run: the same platform three
// times (each on its own servers, started by the bench: `npm run build` first), driven
// in turn round by round (off, none, otlp, off, …), each figure the median over rounds.
//
//   off   OTEL_SDK_DISABLED=true: the preload loads nothing (no provider; the gateway's
//         traceparent comes from its unexported fallback)
//   none  OTEL_TRACES_EXPORTER=none (the default): provider + http instrumentation,
//         spans made and dropped, context propagated (jobs, NATS headers)
//   otlp  OTEL_TRACES_EXPORTER=otlp, http/protobuf to a local sink process (bench/lib/
//         otlp-sink.js: answers 200, decodes nothing), all instrumentations
//   file  (optional) OTEL_TRACES_EXPORTER=file: the test exporter, a synchronous append per span
//
//   node bench/tracing-overhead.js [--modes off,none,otlp] [--sessions 4] [--rounds 3]
//                                  [--duration 10] [--warmup 2] [--text "…"]
//
// Closed loop per session, as bench/speak-vs-floor.js: speak → first WebSocket event of
// the task (task.started or a frame) → interrupt → `status idle` → again. Also the CPU
// time the three apps spent per cycle (from /proc: steadier than latencies on a busy
// machine), and how long `node --require preload` takes to start in each mode (loading
// the SDK).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { performance } = require('node:perf_hooks');
const { startPlatform, stopOnSignals } = require('./lib/platform');
const { platformTarget } = require('./lib/targets');
const { startOtlpSink } = require('./lib/otlp-sink');
const { freePort } = require('../scripts/infra');
const { percentile, median, table, ms, flags } = require('./lib/stats');

const opts = flags({ modes: 'off,none,otlp', sessions: 4, rounds: 3, duration: 10, warmup: 2, text: 'Hello there, this is a benchmark sentence that the avatar speaks for a few seconds before it is interrupted.' });
const log = (line) => console.log(`[bench] ${line}`);
const ROOT = path.resolve(__dirname, '..');
const PRELOAD = path.join(ROOT, 'dist/libs/observability/src/tracing/preload.js');

function modeEnv(mode, sink, dir) {
  switch (mode) {
    case 'off':
      return { OTEL_SDK_DISABLED: 'true' };
    case 'none':
      return { OTEL_TRACES_EXPORTER: 'none' };
    case 'otlp':
      return { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_ENDPOINT: sink.url };
    case 'file':
      return { OTEL_TRACES_EXPORTER: 'file', AVATAR_TRACE_FILE: path.join(dir, 'spans-{service}-{pid}.jsonl') };
    default:
      throw new Error(`unknown mode ${mode} (off, none, otlp, file)`);
  }
}

async function speakOnce(target, session) {
  const sent = performance.now();
  const taskId = await target.speak(session, opts.text);
  return (await session.socket.firstEventOf(taskId)) - sent;
}

async function interruptOnce(target, session) {
  const idle = session.socket.waitFor((e) => e.type === 'status' && e.status === 'idle');
  const sent = performance.now();
  await target.interrupt(session);
  return (await idle) - sent;
}

// CPU time (user + system) the platform's three apps have used so far, in ms (Linux /proc).
function appsCpuMs(platform) {
  let ticks = 0;
  for (const name of ['gateway', 'worker', 'notifier']) {
    const pid = platform.pid(name);
    try {
      const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
    } catch {
      return NaN;
    }
  }
  return (ticks * 1000) / CLOCK_TICKS;
}
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

async function round(target, platform) {
  const sessions = await Promise.all(Array.from({ length: opts.sessions }, () => target.openSession()));
  const samples = { firstEvent: [], idle: [], cycles: 0 };
  let seconds = 0;
  try {
    await Promise.all(
      sessions.map(async (s) => {
        for (let i = 0; i < opts.warmup; i++) {
          await speakOnce(target, s);
          await interruptOnce(target, s);
        }
      }),
    );
    const start = performance.now();
    const cpuBefore = appsCpuMs(platform);
    const end = start + opts.duration * 1000;
    await Promise.all(
      sessions.map(async (s) => {
        while (performance.now() < end) {
          samples.firstEvent.push(await speakOnce(target, s));
          samples.idle.push(await interruptOnce(target, s));
          samples.cycles++;
        }
      }),
    );
    seconds = (performance.now() - start) / 1000;
    samples.cpuPerTask = (appsCpuMs(platform) - cpuBefore) / samples.cycles;
  } finally {
    await Promise.all(sessions.map((s) => target.closeSession(s)));
  }
  return { p50: percentile(samples.firstEvent, 50), p99: percentile(samples.firstEvent, 99), throughput: samples.cycles / seconds, idleP50: percentile(samples.idle, 50), cpuPerTask: samples.cpuPerTask, cycles: samples.cycles };
}

// Median of 5 starts of `node --require preload -e 0` (what the preload adds to each app's start).
function preloadStartMs(env) {
  const times = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    const run = spawnSync(process.execPath, ['--require', PRELOAD, '-e', '0'], { env: { ...process.env, OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', ...env }, stdio: 'ignore' });
    if (run.status !== 0) throw new Error(`node --require preload failed (${run.status})`);
    times.push(performance.now() - started);
  }
  return median(times);
}

async function main() {
  const modes = opts.modes.split(',').map((m) => m.trim()).filter(Boolean);
  const stoppers = [];
  stopOnSignals(stoppers);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'avatar-bench-tracing-'));
  stoppers.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
  const sink = await startOtlpSink();
  stoppers.push(() => sink.stop());
  try {
    const bare = (() => {
      const times = [];
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        spawnSync(process.execPath, ['-e', '0'], { stdio: 'ignore' });
        times.push(performance.now() - started);
      }
      return median(times);
    })();
    const startup = Object.fromEntries(modes.map((mode) => [mode, preloadStartMs(modeEnv(mode, sink, dir))]));
    log(`node start: bare ${ms(bare)}, with the preload ${modes.map((m) => `${m} ${ms(startup[m])}`).join(', ')}`);

    log(`starting ${modes.join(', ')} (${opts.sessions} sessions, ${opts.rounds} rounds of ${opts.duration} s each)`);
    const targets = [];
    for (const mode of modes) {
      // Three platforms at once: each worker's health port of its own.
      const platform = await startPlatform({ env: { ...modeEnv(mode, sink, dir), WORKER_HTTP_PORT: String(await freePort()) }, log });
      stoppers.unshift(platform.stop);
      targets.push({ mode, platform, target: { ...platformTarget(platform), name: mode } });
    }
    const rounds = Object.fromEntries(modes.map((m) => [m, []]));
    for (let r = 1; r <= opts.rounds; r++) {
      for (const { mode, target, platform } of targets) {
        const figures = await round(target, platform);
        rounds[mode].push(figures);
        log(`round ${r} ${mode.padEnd(5)} p50 ${ms(figures.p50)}  p99 ${ms(figures.p99)}  ${figures.throughput.toFixed(2)} tasks/s  interrupt→idle p50 ${ms(figures.idleP50)}  apps' CPU ${ms(figures.cpuPerTask)}/cycle  (${figures.cycles} cycles)`);
      }
    }
    const exported = await sink.stats();

    const m = (mode, key) => median(rounds[mode].map((f) => f[key]));
    const vsOff = (mode, key) => (modes.includes('off') && mode !== 'off' ? `×${(m(mode, key) / m('off', key)).toFixed(2)}` : '');
    const rows = [['figure', ...modes.flatMap((mode) => (mode === 'off' || !modes.includes('off') ? [mode] : [mode, `${mode}/off`]))]];
    const line = (label, key, show) => [label, ...modes.flatMap((mode) => (mode === 'off' || !modes.includes('off') ? [show(m(mode, key))] : [show(m(mode, key)), vsOff(mode, key)]))];
    rows.push(line('speak → first event p50', 'p50', ms));
    rows.push(line('speak → first event p99', 'p99', ms));
    rows.push(line('throughput (tasks/s)', 'throughput', (v) => v.toFixed(2)));
    rows.push(line('interrupt → status idle p50', 'idleP50', ms));
    rows.push(line("apps' CPU per speak+interrupt", 'cpuPerTask', ms));
    rows.push(['node start with the preload', ...modes.flatMap((mode) => (mode === 'off' || !modes.includes('off') ? [ms(startup[mode])] : [ms(startup[mode]), `+${(startup[mode] - startup.off).toFixed(0)} ms`]))]);
    console.log(`\ntracing-overhead: ${opts.sessions} closed-loop sessions, medians of ${opts.rounds} rounds × ${opts.duration} s each (node start without preload: ${ms(bare)})\n`);
    console.log(table(rows));
    if (modes.includes('otlp')) console.log(`\notlp sink received ${exported.requests} export requests, ${(exported.bytes / 1024).toFixed(0)} KiB`);
  } finally {
    await Promise.allSettled(stoppers.map((stop) => stop()));
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`tracing-overhead failed: ${error.stack}`);
    process.exit(1);
  },
);
