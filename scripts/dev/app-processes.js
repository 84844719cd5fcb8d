'use strict';
// The platform's three Node apps as child processes of the launcher: output
// prefixed with a coloured label, tracked by scripts/infra so none outlives the
// launcher, stopped with SIGTERM (Nest's shutdown hooks) and SIGKILL after a grace.
//
// Supervised: an app that exits when nobody asked it to (a crash, kill -9, an
// uncaught error) is started again after a delay that doubles from 0.5 s to 30 s and
// goes back to 0.5 s once the app has stayed up 60 s (./backoff.js). Each restart is
// logged with the exit code or signal, how long the app ran, and the delay.
// stopApps() cancels any restart still waiting, so none happens during shutdown.
const http = require('node:http');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { trackChild, stopChild } = require('../infra');
const { DEFAULT_BACKOFF, nextRestartDelay } = require('./backoff');
const { label, prefixLines } = require('./labels');

const APPS = [
  { name: 'gateway', color: 'cyan', main: 'dist/apps/gateway/src/main.js' },
  { name: 'worker', color: 'magenta', main: 'dist/apps/worker/src/main.js' },
  { name: 'notifier', color: 'yellow', main: 'dist/apps/notifier/src/main.js' },
];
const STOP_GRACE_MS = 10_000;
// OpenTelemetry, started before the app loads (configured by the OTEL_* variables;
// exports nothing unless OTEL_TRACES_EXPORTER names an exporter).
const TRACING_PRELOAD = 'dist/libs/observability/src/tracing/preload.js';

// Returns the supervised apps, each { name, child, restarts, stopping }; `child` is
// the current process (it changes on a restart). `envFor(name)`: what one app gets on
// top of `env` (its own NATS user and password).
function startApps({ root, env, log, apps = APPS, backoff = DEFAULT_BACKOFF, envFor = () => ({}) }) {
  return apps.map((spec) => {
    const app = { ...spec, child: null, startedAt: 0, delayMs: 0, restarts: 0, timer: null, stopping: false };
    launch(app, { root, env: { ...env, ...envFor(spec.name) }, log, backoff });
    return app;
  });
}

// Detached: Ctrl-C in the terminal reaches only the launcher, which stops the apps
// before the servers they depend on.
function launch(app, context) {
  const { root, env } = context;
  const child = spawn(process.execPath, ['--enable-source-maps', '--require', path.join(root, TRACING_PRELOAD), path.join(root, app.main)], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const prefix = label(app.name, app.color);
  prefixLines(child.stdout, prefix);
  prefixLines(child.stderr, prefix);
  app.child = trackChild(child, 'SIGTERM');
  app.startedAt = Date.now();
  app.child.exited.then((result) => onExit(app, result, context));
}

function onExit(app, { code, signal, error }, context) {
  if (app.stopping) return;
  const ranMs = Date.now() - app.startedAt;
  app.delayMs = nextRestartDelay(app.delayMs, ranMs, context.backoff);
  app.restarts += 1;
  const how = error ? error.message : signal ? `signal ${signal}` : `code ${code}`;
  context.log(`${app.name} exited unexpectedly (${how}) after ${seconds(ranMs)}: restart #${app.restarts} in ${seconds(app.delayMs)}`);
  app.timer = setTimeout(() => {
    app.timer = null;
    if (app.stopping) return;
    context.log(`restarting ${app.name}`);
    launch(app, context);
  }, app.delayMs);
}

async function stopApps(apps, { timeoutMs = STOP_GRACE_MS } = {}) {
  for (const app of apps) {
    app.stopping = true;
    if (app.timer) clearTimeout(app.timer);
    app.timer = null;
  }
  await Promise.all(apps.map((app) => app.child && stopChild(app.child, { timeoutMs })));
}

function seconds(ms) {
  return `${Number((ms / 1000).toFixed(ms < 10_000 ? 1 : 0))} s`;
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

module.exports = { APPS, startApps, stopApps, waitForHttp };
