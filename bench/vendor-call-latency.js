#!/usr/bin/env node
'use strict';
// Speak → first vendor call: how long after `POST /v1/avatar.speak` answers does the
// vendor receive the task? Against the HeyGen fake (libs/testing, built to dist/), with
// the whole platform started by `npm start` on free ports, side by side with a floor:
// the same vendor call made directly from this process (one HTTP request).
//
//   npm run build && node bench/vendor-call-latency.js [--tasks 200]
//
// Prints p50/p95/max of: speak request sent → the fake received `streaming.task`, and
// of the floor (request sent → received). One machine, one clock.
const path = require('node:path');
const { spawn } = require('node:child_process');
const { flags, percentile, maxOf, ms, table, sleep } = require('./lib/stats');

const root = path.join(__dirname, '..');
const { HeygenFake } = require(path.join(root, 'dist/libs/testing/src/fakes/heygen-fake.js'));
const infra = require(path.join(root, 'scripts/infra'));

async function call(url, method, key, body) {
  const response = await fetch(url, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function main() {
  const opts = flags({ tasks: 200 });
  // Tasks end at once: the bench measures the way in, not HeyGen's speech.
  const fake = await new HeygenFake({ msPerWord: 0 }).start();
  const [gatewayPort, notifierPort] = [await infra.freePort(), await infra.freePort()];
  const key = `ak_bench_${Date.now()}`.padEnd(40, 'x');
  const platform = spawn(process.execPath, [path.join(root, 'scripts/dev/start.js')], {
    cwd: root,
    env: {
      ...process.env, HEYGEN_API_URL: fake.url, HEYGEN_API_KEY: fake.apiKey, RATE_LIMITS: 'off', DEV_API_KEY: key, LOG_LEVEL: 'warn',
      GATEWAY_PORT: String(gatewayPort), NOTIFIER_PORT: String(notifierPort),
      EMBEDDED_REDIS_PORT: '0', EMBEDDED_NATS_PORT: '0', EMBEDDED_NATS_MONITOR_PORT: '0', EMBEDDED_PG_PORT: '0',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const api = `http://127.0.0.1:${gatewayPort}`;
  try {
    for (let i = 0; ; i++) {
      if ((await fetch(`${api}/health`).then((r) => r.status, () => 0)) === 200) break;
      if (i > 600) throw new Error('platform did not start in 60 s');
      await sleep(100);
    }
    const session = await call(`${api}/v1/streaming.new`, 'POST', key, { provider: 'heygen', avatar_id: 'Anna_public' });
    await call(`${api}/v1/streaming.start`, 'POST', key, { session_id: session.session_id });
    const vendorSession = [...fake.sessions.values()].at(-1);

    const platformMs = [];
    for (let i = 0; i < opts.tasks; i++) {
      const before = fake.calls('POST', '/v1/streaming.task').length;
      const sent = Date.now();
      await call(`${api}/v1/avatar.speak`, 'POST', key, { session_id: session.session_id, text: `task ${i}` });
      while (fake.calls('POST', '/v1/streaming.task').length === before) await sleep(0.2);
      platformMs.push(fake.calls('POST', '/v1/streaming.task').at(-1).at - sent);
      // The next task waits for this one to end: let it end before measuring the next.
      await sleep(20);
    }
    const floorMs = [];
    for (let i = 0; i < opts.tasks; i++) {
      const sent = Date.now();
      await fetch(`${fake.url}/v1/streaming.task`, { method: 'POST', headers: { 'x-api-key': fake.apiKey, 'content-type': 'application/json' }, body: JSON.stringify({ session_id: vendorSession.id, text: `floor ${i}`, task_type: 'repeat' }) });
      floorMs.push(fake.calls('POST', '/v1/streaming.task').at(-1).at - sent);
    }
    await call(`${api}/v1/streaming.stop`, 'POST', key, { session_id: session.session_id });
    const row = (name, values) => [name, ms(percentile(values, 50)), ms(percentile(values, 95)), ms(maxOf(values))];
    console.log(`speak → HeyGen fake received streaming.task, ${opts.tasks} tasks, one session`);
    console.log(table([['', 'p50', 'p95', 'max'], row('platform', platformMs), row('floor (direct call)', floorMs)]));
  } finally {
    platform.kill('SIGTERM');
    await new Promise((resolve) => platform.once('exit', resolve));
    await fake.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
