#!/usr/bin/env node
'use strict';
// The platform's speak path against the floor (bench/floor: Fastify → BullMQ →
// worker → NATS → ws, nothing else) and the durable floor (the same plus only the
// durability the core issue asks for: task rows, acked JetStream lifecycle events, a
// batched history; see bench/floor/floor.js), driven by one client, in turn: floor,
// durable, platform, floor … (--rounds), each figure the median over the rounds.
// Both are started by the bench on their own embedded servers: `npm run build` first.
//
//   npm run bench:floor -- [--sessions 4] [--rounds 3] [--duration 10] [--warmup 2]
//                          [--silence 60] [--silence-rounds 3] [--text "…"]
//                          [--targets floor,durable,platform]
//
// Closed loop, --sessions sessions at once, each: speak → wait for the task's first
// WebSocket event (task.started or a frame) → interrupt → wait for `status idle` →
// again. Measured: speak request → first event of that task (p50, p99), cycles per
// second (throughput, tasks/s), interrupt request → `status idle` (p50). Also: the
// first speak right after the platform came up (gateway and notifier answer HTTP,
// as when `npm start` prints its welcome), and the first speak after --silence
// seconds without traffic against a warm one, median of --silence-rounds pauses
// (--silence 0 skips it).
const { performance } = require('node:perf_hooks');
const { startPlatform, stopOnSignals } = require('./lib/platform');
const { startFloor } = require('./floor');
const { platformTarget, floorTarget } = require('./lib/targets');
const { percentile, median, table, ms, flags, sleep } = require('./lib/stats');

const opts = flags({ targets: 'floor,durable,platform', sessions: 4, rounds: 3, duration: 10, warmup: 2, silence: 60, silenceRounds: 3, text: 'Hello there, this is a benchmark sentence that the avatar speaks for a few seconds before it is interrupted.' });
const log = (line) => console.log(`[bench] ${line}`);

// speak → first event of the task; returns ms.
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

async function round(target) {
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
  } finally {
    await Promise.all(sessions.map((s) => target.closeSession(s)));
  }
  return {
    p50: percentile(samples.firstEvent, 50),
    p99: percentile(samples.firstEvent, 99),
    throughput: samples.cycles / seconds,
    idleP50: percentile(samples.idle, 50),
    cycles: samples.cycles,
  };
}

// Speak → first event on a fresh session right after start-up (session set-up not counted).
async function firstSpeak(target) {
  const session = await target.openSession();
  try {
    return await speakOnce(target, session);
  } finally {
    await interruptOnce(target, session).catch(() => undefined);
  }
}

// --silence-rounds times: a warm median (5 speaks) per target, then --silence seconds
// of nothing, then one speak per target, the target that goes first alternating (the
// machine itself wakes slower after a pause: whoever speaks first pays it). Medians.
async function silence(targets) {
  const sessions = new Map(await Promise.all(targets.map(async (target) => [target, await target.openSession()])));
  const warm = new Map(targets.map((target) => [target, []]));
  const cold = new Map(targets.map((target) => [target, []]));
  try {
    for (let r = 1; r <= opts.silenceRounds; r++) {
      for (const target of targets) {
        const values = [];
        for (let i = 0; i < 5; i++) {
          values.push(await speakOnce(target, sessions.get(target)));
          await interruptOnce(target, sessions.get(target));
        }
        warm.get(target).push(median(values));
      }
      log(`silence ${r}/${opts.silenceRounds}: nothing for ${opts.silence} s …`);
      await sleep(opts.silence * 1000);
      for (const target of r % 2 ? targets : [...targets].reverse()) {
        cold.get(target).push(await speakOnce(target, sessions.get(target)));
        await interruptOnce(target, sessions.get(target));
      }
      log(`silence ${r}: ${targets.map((t) => `${t.name} ${ms(cold.get(t).at(-1))} (warm ${ms(warm.get(t).at(-1))})`).join(', ')}`);
    }
  } finally {
    await Promise.all(targets.map((target) => target.closeSession(sessions.get(target))));
  }
  return new Map(targets.map((target) => [target, { warm: median(warm.get(target)), cold: median(cold.get(target)) }]));
}

const fix2 = (v) => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');
const ratio = (p, f) => (Number.isFinite(p / f) ? `×${(p / f).toFixed(2)}` : 'n/a');

async function main() {
  const stoppers = [];
  stopOnSignals(stoppers);
  log(`starting ${opts.targets} (${opts.sessions} sessions, ${opts.rounds} rounds of ${opts.duration} s each)`);
  const wanted = opts.targets.split(',');
  const started = async (starting) => {
    const servers = await starting;
    stoppers.push(servers.stop);
    return servers;
  };
  const starters = {
    floor: async () => floorTarget(await started(startFloor({ log }))),
    durable: async () => floorTarget(await started(startFloor({ durable: true, log })), 'durable'),
    platform: async () => platformTarget(await started(startPlatform({ log }))),
  };
  const byName = {};
  const first = {};
  for (const name of Object.keys(starters).filter((n) => wanted.includes(n))) {
    byName[name] = await starters[name]();
    first[name] = await firstSpeak(byName[name]);
  }
  const { floor, durable, platform } = byName;
  const targets = Object.values(byName);
  log(`first speak after start: ${targets.map((t) => `${t.name} ${ms(first[t.name])}`).join(', ')}`);

  const rounds = Object.fromEntries(targets.map((t) => [t.name, []]));
  try {
    for (let r = 1; r <= opts.rounds; r++) {
      for (const target of targets) {
        const figures = await round(target);
        rounds[target.name].push(figures);
        log(`round ${r} ${target.name.padEnd(8)} p50 ${ms(figures.p50)}  p99 ${ms(figures.p99)}  ${figures.throughput.toFixed(2)} tasks/s  interrupt→idle p50 ${ms(figures.idleP50)}  (${figures.cycles} cycles)`);
      }
    }
    const silent = opts.silence > 0 ? await silence([platform, floor, durable].filter(Boolean)) : null;

    const m = (target, key) => (target ? median(rounds[target.name].map((f) => f[key])) : NaN);
    const figure = (label, key, show, target) => [label, show(m(floor, key)), show(m(durable, key)), show(m(platform, key)), ratio(m(platform, key), m(floor, key)), ratio(m(platform, key), m(durable, key)), target];
    const rows = [['figure', 'floor', 'durable floor', 'platform', 'platform/floor', 'platform/durable', 'target (platform/floor)']];
    rows.push(figure('speak → first event p50', 'p50', ms, '≤ ×1.5'));
    rows.push(figure('speak → first event p99', 'p99', ms, '≤ ×2'));
    rows.push(figure('throughput (tasks/s)', 'throughput', fix2, '≥ ×0.6'));
    rows.push(figure('interrupt → status idle p50', 'idleP50', ms, '≤ ×2'));
    rows.push(['first speak after start', ms(first.floor), ms(first.durable), ms(first.platform), ratio(first.platform, first.floor), ratio(first.platform, first.durable), 'platform ≤ 100 ms']);
    if (silent) {
      const get = (target) => (target && silent.get(target)) || {};
      const [f, d, p] = [get(floor), get(durable), get(platform)];
      rows.push([`warm speak (median)`, ms(f.warm), ms(d.warm), ms(p.warm), ratio(p.warm, f.warm), ratio(p.warm, d.warm), '']);
      rows.push([`speak after ${opts.silence} s silence (median of ${opts.silenceRounds})`, ms(f.cold), ms(d.cold), ms(p.cold), ratio(p.cold, f.cold), ratio(p.cold, d.cold), '']);
      rows.push(['  silent / warm', ratio(f.cold, f.warm), ratio(d.cold, d.warm), ratio(p.cold, p.warm), '', '', 'platform ≤ ×2']);
    }
    console.log(`\nspeak-vs-floor: ${opts.sessions} closed-loop sessions, medians of ${opts.rounds} rounds × ${opts.duration} s each, text of ${opts.text.split(/\s+/).length} words\n`);
    console.log(table(rows));
  } finally {
    await Promise.allSettled(stoppers.map((stop) => stop()));
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`speak-vs-floor failed: ${error.stack}`);
    process.exit(1);
  },
);
