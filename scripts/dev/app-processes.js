'use strict';
// The platform's three Node apps as child processes of the launcher: output
// prefixed with a coloured label, tracked by scripts/infra so none outlives the
// launcher, stopped with SIGTERM (Nest's shutdown hooks) and SIGKILL after a grace.
const http = require('node:http');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { trackChild, stopChild } = require('../infra');
const { label, prefixLines } = require('./labels');

const APPS = [
  { name: 'gateway', color: 'cyan', main: 'dist/apps/gateway/src/main.js' },
  { name: 'worker', color: 'magenta', main: 'dist/apps/worker/src/main.js' },
  { name: 'notifier', color: 'yellow', main: 'dist/apps/notifier/src/main.js' },
];

// Detached: Ctrl-C in the terminal reaches only the launcher, which stops the apps
// before the servers they depend on.
function startApps({ root, env, onUnexpectedExit }) {
  return APPS.map(({ name, color, main }) => {
    const child = spawn(process.execPath, ['--enable-source-maps', path.join(root, main)], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const prefix = label(name, color);
    prefixLines(child.stdout, prefix);
    prefixLines(child.stderr, prefix);
    const app = { name, child: trackChild(child, 'SIGTERM'), stopping: false };
    app.child.exited.then(({ code, signal, error }) => {
      if (!app.stopping) onUnexpectedExit(name, error ? error.message : `code ${code}, signal ${signal}`);
    });
    return app;
  });
}

async function stopApps(apps) {
  for (const app of apps) app.stopping = true;
  await Promise.all(apps.map((app) => stopChild(app.child, { timeoutMs: 10_000 })));
}

// "Up" = answers HTTP on its port (any status: /health may report a degraded
// dependency). The worker has no port: it counts as up while it runs.
async function waitForHttp(port, { timeoutMs = 60_000, isAlive }) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive()) return false;
    if (await answers(port)) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`nothing answered HTTP on port ${port} within ${timeoutMs / 1000} s`);
}

function answers(port) {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/health', timeout: 1_000, agent: false }, (res) => {
      res.resume();
      resolve(true);
    });
    request.once('timeout', () => request.destroy());
    request.once('error', () => resolve(false));
  });
}

module.exports = { startApps, stopApps, waitForHttp };
