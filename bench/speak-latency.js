#!/usr/bin/env node
'use strict';
// Speak latency and throughput through the public API and the WebSocket, against a
// running platform (start one with `npm start` in another terminal).
//
//   npm run bench:speak -- [--sessions 10] [--speaks 5] [--text "Hello there."]
//                          [--api http://127.0.0.1:8000] [--ws ws://127.0.0.1:8001]
//                          [--key <api key>]   (default: DEV_API_KEY or .run/dev-api-key)
//
// N sessions run concurrently; each speaks M texts one after another (a speak is sent
// when the previous task completed), so the latency measured is the pipeline's own —
// HTTP, database, BullMQ, worker, NATS, WebSocket — not time spent queued behind
// earlier speech. Prints p50/p95/p99 of: the speak request, speak → first event of
// the task (task.started), speak → first frame; and tasks and events per second.
const fs = require('node:fs');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const WebSocket = require('ws');
const { percentile, maxOf } = require('./lib/stats');

function options() {
  const args = process.argv.slice(2);
  const get = (name, fallback) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : fallback;
  };
  const keyFile = path.join(__dirname, '..', '.run', 'dev-api-key');
  const key = get('key', process.env.DEV_API_KEY || (fs.existsSync(keyFile) ? fs.readFileSync(keyFile, 'utf8').trim() : undefined));
  if (!key) throw new Error('no API key: pass --key, set DEV_API_KEY, or run `npm start` first (it writes .run/dev-api-key)');
  return {
    sessions: Number(get('sessions', 10)),
    speaks: Number(get('speaks', 5)),
    text: get('text', 'Hello there, how are you?'),
    api: get('api', 'http://127.0.0.1:8000'),
    ws: get('ws', 'ws://127.0.0.1:8001'),
    key,
  };
}

async function post(opts, route, body) {
  const response = await fetch(opts.api + route, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.key}` },
    body: JSON.stringify(body),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${route}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

function connect(opts, sessionId, token) {
  const ws = new WebSocket(`${opts.ws}/ws/${sessionId}?token=${encodeURIComponent(token)}`);
  const listeners = new Set();
  let events = 0;
  ws.on('message', (data) => {
    const at = performance.now();
    events++;
    const event = JSON.parse(String(data));
    for (const listener of listeners) listener(event, at);
  });
  const waitFor = (predicate) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for an event')), 60_000);
      const listener = (event, at) => {
        if (!predicate(event)) return;
        clearTimeout(timer);
        listeners.delete(listener);
        resolve(at);
      };
      listeners.add(listener);
    });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, waitFor, events: () => events }));
    ws.once('error', reject);
  });
}

async function runSession(opts, samples) {
  const created = await post(opts, '/v1/streaming.new', { quality: 'medium' });
  await post(opts, '/v1/streaming.start', { session_id: created.session_id });
  const socket = await connect(opts, created.session_id, created.access_token);
  for (let i = 0; i < opts.speaks; i++) {
    const sent = performance.now();
    const started = socket.waitFor((e) => e.type === 'task.started');
    const frame = socket.waitFor((e) => e.type === 'frame');
    const speak = await post(opts, '/v1/avatar.speak', { session_id: created.session_id, text: opts.text });
    const answered = performance.now();
    const completed = socket.waitFor((e) => e.type === 'task.completed' && e.task_id === speak.task_id);
    samples.request.push(answered - sent);
    samples.firstEvent.push((await started) - sent);
    samples.firstFrame.push((await frame) - sent);
    await completed;
  }
  await post(opts, '/v1/streaming.stop', { session_id: created.session_id });
  samples.events += socket.events();
  socket.ws.close();
}

function row(name, values) {
  const f = (v) => `${v.toFixed(1).padStart(8)} ms`;
  return `${name.padEnd(24)} p50 ${f(percentile(values, 50))}  p95 ${f(percentile(values, 95))}  p99 ${f(percentile(values, 99))}  max ${f(maxOf(values))}`;
}

async function main() {
  const opts = options();
  const samples = { request: [], firstEvent: [], firstFrame: [], events: 0 };
  const started = performance.now();
  await Promise.all(Array.from({ length: opts.sessions }, () => runSession(opts, samples)));
  const seconds = (performance.now() - started) / 1000;
  console.log(`speak-latency: ${opts.sessions} sessions × ${opts.speaks} speaks of "${opts.text}" against ${opts.api}`);
  console.log(row('speak request', samples.request));
  console.log(row('speak → task.started', samples.firstEvent));
  console.log(row('speak → first frame', samples.firstFrame));
  console.log(`throughput               ${(samples.request.length / seconds).toFixed(2)} tasks/s, ${(samples.events / seconds).toFixed(0)} events/s over ${seconds.toFixed(1)} s`);
}

main().catch((err) => {
  console.error(`speak-latency failed: ${err.message}`);
  process.exit(1);
});
