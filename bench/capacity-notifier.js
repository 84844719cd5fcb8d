#!/usr/bin/env node
'use strict';
// One notifier holding many sockets: its memory and how fast it fans an event out.
// Starts the real notifier from dist/ (`npm run build` first) on its own NATS,
// opens --sockets WebSockets spread over --sessions sessions with session tokens
// signed by the platform's own code (dist/libs/tenancy) and the notifier's secret,
// then publishes timestamped `status` events through the platform's EventPublisher
// (dist/libs/messaging: JetStream, as the worker does), one per session per round at
// --rate events/s, and measures publish → arrival at each socket of that session.
//
//   npm run bench:capacity:notifier -- [--sockets 10000] [--sessions 1000] [--rounds 3] [--rate 200]
//
// Needs about sockets + 1,000 open files in this process (the notifier inherits the
// limit): `ulimit -n` is checked first; raise it with e.g. `ulimit -n 20000`.
// Reports notifier RSS (VmRSS, /proc/<pid>/status) before and with the sockets, and
// fan-out latency p50/p99/max (targets: < 1 GiB RSS with 10,000 sockets, p99 ≤ 20 ms).
// Both ends run on this machine, so the clients' own event loop is in the figure.
const fs = require('node:fs');
const path = require('node:path');
const { randomUUID } = require('node:crypto');
const { performance } = require('node:perf_hooks');
const { connect } = require('@nats-io/transport-node');
const { startPlatform, stopOnSignals } = require('./lib/platform');
const { EventSocket } = require('./lib/targets');
const { mapLimit, processStatus } = require('./lib/pool');
const { percentile, maxOf, table, ms, flags, sleep } = require('./lib/stats');

const opts = flags({ sockets: 10_000, sessions: 1_000, rounds: 3, rate: 200 });
const log = (line) => console.log(`[bench] ${line}`);
const dist = (...p) => require(path.join(__dirname, '..', 'dist', 'libs', ...p));

function openFilesLimit() {
  const line = fs.readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  return Number(line?.split(/\s{2,}/)[1]);
}

async function main() {
  const needed = opts.sockets + 1_000;
  const limit = openFilesLimit();
  if (limit < needed) {
    console.error(`capacity-notifier: ${opts.sockets} sockets need ~${needed} open files, the limit is ${limit}: run \`ulimit -n ${Math.max(needed, 20_000)}\` first`);
    process.exit(1);
  }
  const { signSessionToken } = dist('tenancy', 'src', 'session-token.js');
  const { EventPublisher } = dist('messaging', 'src');
  const stoppers = [];
  stopOnSignals(stoppers);
  log('starting the notifier');
  const platform = await startPlatform({ log, apps: ['notifier'], env: { WS_MAX_SOCKETS_PER_SESSION: String(Math.ceil(opts.sockets / opts.sessions)) } });
  stoppers.push(platform.stop);
  const sockets = [];
  stoppers.unshift(async () => sockets.forEach((s) => s.close()));
  // As the platform's worker user: it publishes events, as a worker does.
  const nc = await connect(platform.natsOptions('worker'));
  stoppers.unshift(() => nc.close());
  try {
    const notifierPid = platform.pid('notifier');
    await sleep(1000);
    const idle = processStatus(notifierPid);
    const sessions = Array.from({ length: opts.sessions }, () => randomUUID());
    const tenantId = platform.tenantId;
    const sent = new Map(); // marker → publish time
    const latencies = [];
    let received = 0;
    const onEvent = (data, at) => {
      const text = String(data);
      if (!text.includes('"bench-')) return;
      const event = JSON.parse(text);
      const t0 = sent.get(event.message);
      if (t0 === undefined) return;
      latencies.push(at - t0);
      received++;
    };

    log(`opening ${opts.sockets} sockets over ${opts.sessions} sessions`);
    const connectStart = performance.now();
    await mapLimit(Array.from({ length: opts.sockets }, (_, i) => sessions[i % opts.sessions]), 100, async (sessionId) => {
      const token = signSessionToken({ tenantId, sessionId, ttlSeconds: 3600 }, platform.secret);
      const socket = await EventSocket.open(`${platform.wsUrl}/ws/${sessionId}?token=${encodeURIComponent(token)}`, { perMessageDeflate: false });
      socket.ws.on('message', (data) => onEvent(data, performance.now()));
      sockets.push(socket);
    });
    const connectSeconds = (performance.now() - connectStart) / 1000;
    await sleep(2000);
    const held = processStatus(notifierPid);
    log(`${sockets.length} sockets open in ${connectSeconds.toFixed(1)} s; notifier RSS ${held.rssMiB.toFixed(0)} MiB`);

    const publisher = new EventPublisher(nc);
    const interval = 1000 / opts.rate;
    const pending = [];
    let n = 0;
    const start = performance.now();
    for (let round = 0; round < opts.rounds; round++) {
      for (const sessionId of sessions) {
        const due = start + n * interval - performance.now();
        if (due > 1) await sleep(due);
        const marker = `bench-${n++}`;
        sent.set(marker, performance.now());
        pending.push(publisher.publish({ tenantId, sessionId }, { type: 'status', status: 'listening', message: marker }));
      }
    }
    await Promise.all(pending);
    const expected = n * (opts.sockets / opts.sessions);
    for (let waited = 0; received < expected && waited < 10_000; waited += 100) await sleep(100);
    const after = processStatus(notifierPid);

    console.log(`\ncapacity-notifier: one notifier, ${sockets.length} sockets over ${opts.sessions} sessions, ${n} events at ${opts.rate}/s\n`);
    console.log(
      table([
        ['figure', 'value', 'target'],
        ['notifier RSS, no sockets', `${idle.rssMiB.toFixed(0)} MiB`, ''],
        [`notifier RSS, ${sockets.length} sockets`, `${held.rssMiB.toFixed(0)} MiB`, '< 1024 MiB'],
        ['notifier RSS after fan-out (peak)', `${after.rssMiB.toFixed(0)} MiB (${after.peakRssMiB.toFixed(0)} MiB)`, ''],
        ['sockets opened in', `${connectSeconds.toFixed(1)} s`, ''],
        ['deliveries received/expected', `${received}/${expected}`, ''],
        ['fan-out p50', ms(percentile(latencies, 50)), ''],
        ['fan-out p99', ms(percentile(latencies, 99)), '≤ 20 ms'],
        ['fan-out max', ms(maxOf(latencies)), ''],
      ]),
    );
  } finally {
    await Promise.allSettled(stoppers.map((stop) => stop()));
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`capacity-notifier failed: ${error.stack}`);
    process.exit(1);
  },
);
