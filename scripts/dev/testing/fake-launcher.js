#!/usr/bin/env node
'use strict';
// The launcher's supervision and stop path (app-processes.js, stop-signals.js) around
// a fake app instead of the platform, for scripts/dev/app-processes.spec.ts: the
// real thing minus build, servers and migrations.
//   FAKE_APPS=2 FAKE_BACKOFF_MS=500 FAKE_RESET_MS=60000 node fake-launcher.js
const path = require('node:path');
const { startApps, stopApps } = require('../app-processes');
const { handleStopSignals } = require('../stop-signals');

const root = path.resolve(__dirname, '..', '..', '..');
const main = path.relative(root, path.join(__dirname, 'fake-app.js'));
const apps = Array.from({ length: Number(process.env.FAKE_APPS || 1) }, (_, i) => ({ name: `fake${i + 1}`, color: 'blue', main }));
const backoff = { initialMs: Number(process.env.FAKE_BACKOFF_MS || 500), maxMs: 30_000, resetAfterMs: Number(process.env.FAKE_RESET_MS || 60_000) };
const log = (line) => console.log(`[start] ${line}`);
let stopping = false;

const running = startApps({ root, env: process.env, log, apps, backoff });
handleStopSignals({
  isStopping: () => stopping,
  onStop: async (signal) => {
    stopping = true;
    log(`${signal}: stopping`);
    await stopApps(running, { timeoutMs: 3_000 });
    log('stopped');
    process.exit(0);
  },
});
