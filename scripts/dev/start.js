#!/usr/bin/env node
'use strict';
// `npm start`: the whole platform on one machine, from a fresh clone, in one command.
//
//  1. installs dependencies when needed and the system servers (scripts/ensure-deps.js);
//  2. builds apps/ and libs/ to dist/ (scripts/build.js);
//  3. starts an embedded Redis / NATS / PostgreSQL for each of REDIS_URL, NATS_URL,
//     DATABASE_URL the environment does not set, data under .run/<name>/ (kept
//     across restarts; delete .run/ for a clean slate). Fixed ports, overridable
//     (0 = any free port): EMBEDDED_REDIS_PORT=6390, EMBEDDED_NATS_PORT=4232,
//     EMBEDDED_NATS_MONITOR_PORT=8232, EMBEDDED_PG_PORT=5442. Embedded PostgreSQL
//     gets a database `avatar`; embedded NATS has the platform's users and permissions
//     (scripts/infra/nats-auth.js), passwords generated once into .run/nats/nats-credentials.json;
//  4. applies migrations (scripts/db/migrate.js deploy);
//  5. seeds the dev tenant; DEV_API_KEY fixes its API key, else a generated one is
//     kept in .run/dev-api-key;
//  6. runs gateway, worker and notifier (dist/apps/<name>/src/main.js) with
//     GATEWAY_PORT (8000), NOTIFIER_PORT (8001), SESSION_TOKEN_SECRET (generated
//     once into .run/session-token-secret), ADMIN_TOKEN (.run/admin-token) and
//     CREDENTIALS_KEY (.run/credentials-key) likewise when unset, NODE_ENV (development),
//     and the browser demo (/demo) for the dev tenant: DEMO_TENANT_ID and DEMO_WS_URL
//     (ws://localhost:<NOTIFIER_PORT>/ws), unless NODE_ENV is production, DEMO_TENANT_ID
//     is already set, or DEMO=off;
//  7. prints where to reach the API (and the admin token) once gateway and notifier answer HTTP.
//
// Ctrl-C (or SIGTERM) stops the apps (SIGTERM, SIGKILL after 10 s), then the
// embedded servers, and exits 0; a second Ctrl-C stops everything at once. An app
// that exits on its own is restarted with backoff (0.5 s doubling to 30 s, reset
// after 60 s up), each restart logged (app-processes.js); a restart still waiting
// when Ctrl-C comes never happens. A failing step before the apps run stops
// everything and the launcher exits non-zero. Nothing is left running: see
// scripts/infra/children.js.
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const { ensureDeps } = require('../ensure-deps');
const { startEmbeddedInfra, stopEmbeddedInfra } = require('./embedded-infra');
const { natsEnvOf } = require('../infra');
const { startApps, stopApps, waitForHttp } = require('./app-processes');
const { label } = require('./labels');
const { handleStopSignals } = require('./stop-signals');
const steps = require('./steps');

const root = path.resolve(__dirname, '..', '..');
const runDir = path.join(root, '.run');
const state = { servers: [], apps: [], stopping: false };

async function main() {
  handleStopSignals({ isStopping: () => state.stopping, onStop: (signal) => shutdown(`${signal}: stopping (again to force)`, 0) });
  await ensureDeps({ log });
  await steps.build();
  const { urls, natsCredentials } = await startEmbeddedInfra({ runDir, log, servers: state.servers });
  await migrate(urls.DATABASE_URL);
  const { tenantId, apiKey } = await seedDevTenant(urls.DATABASE_URL);
  const env = appEnvironment(urls, tenantId);
  if (state.stopping) return; // Ctrl-C came during start-up: start no app
  // Each app logs in to the embedded NATS as its own user (NATS_USER / NATS_PASSWORD);
  // with an external NATS_URL every app gets the environment's NATS_USER / NATS_PASSWORD, if any.
  state.apps = startApps({ root, env, log, envFor: (name) => natsEnvOf(natsCredentials, name) });
  await waitUntilAppsAreUp(env);
  printWelcome(env, apiKey);
}

function migrate(databaseUrl) {
  log('applying migrations');
  return steps.migrate(databaseUrl);
}

// In-process, from the build: the same code the apps use to read tenants. The key
// is DEV_API_KEY, else the one kept in .run/dev-api-key (so it survives restarts).
async function seedDevTenant(databaseUrl) {
  const keyFile = path.join(runDir, 'dev-api-key');
  const kept = fs.existsSync(keyFile) ? fs.readFileSync(keyFile, 'utf8').trim() : undefined;
  const seeded = await steps.seedDevTenant(databaseUrl, process.env.DEV_API_KEY || kept);
  if (!process.env.DEV_API_KEY) fs.writeFileSync(keyFile, `${seeded.apiKey}\n`, { mode: 0o600 });
  return seeded;
}

function appEnvironment(urls, devTenantId) {
  const env = {
    ...process.env,
    ...urls,
    GATEWAY_PORT: process.env.GATEWAY_PORT || '8000',
    NOTIFIER_PORT: process.env.NOTIFIER_PORT || '8001',
    // The worker's probes and metrics (it has no API).
    WORKER_HTTP_PORT: process.env.WORKER_HTTP_PORT || '8002',
    SESSION_TOKEN_SECRET: process.env.SESSION_TOKEN_SECRET || sessionTokenSecret(),
    // The admin API's bearer token and the key that seals vendor credentials and
    // webhook secrets: generated once, kept like the session token secret.
    ADMIN_TOKEN: process.env.ADMIN_TOKEN || keptSecret('admin-token', () => crypto.randomBytes(32).toString('base64url')),
    CREDENTIALS_KEY: process.env.CREDENTIALS_KEY || keptSecret('credentials-key', () => crypto.randomBytes(32).toString('base64')),
    NODE_ENV: process.env.NODE_ENV || 'development',
  };
  return { ...env, ...demoEnvironment(env, devTenantId) };
}

// The browser demo hands the dev tenant's sessions to whoever loads the page: on for a
// development launch only (the gateway refuses DEMO_TENANT_ID in production anyway).
// An operator's own DEMO_TENANT_ID is kept; DEMO=off turns the demo off.
function demoEnvironment(env, devTenantId) {
  if (process.env.DEMO === 'off') return { DEMO_TENANT_ID: undefined };
  if (env.NODE_ENV === 'production' || process.env.DEMO_TENANT_ID) return {};
  return { DEMO_TENANT_ID: devTenantId, DEMO_WS_URL: process.env.DEMO_WS_URL || `ws://localhost:${env.NOTIFIER_PORT}/ws` };
}

// Persisted so session tokens stay valid across restarts of the launcher.
function sessionTokenSecret() {
  return keptSecret('session-token-secret', () => crypto.randomBytes(32).toString('base64url'));
}

// A secret generated on the first start into .run/<name> (mode 0600) and read back on
// every later one: tokens, keys and what they sealed survive restarts.
function keptSecret(name, generate) {
  const file = path.join(runDir, name);
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const secret = generate();
  fs.mkdirSync(runDir, { recursive: true });
  fs.writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

async function waitUntilAppsAreUp(env) {
  const isAlive = () => !state.stopping;
  const up = await Promise.all([waitForHttp(Number(env.GATEWAY_PORT), { isAlive }), waitForHttp(Number(env.NOTIFIER_PORT), { isAlive })]);
  if (!up.every(Boolean)) throw new Error('stopped before the apps were up');
}

function printWelcome(env, apiKey) {
  const api = `http://localhost:${env.GATEWAY_PORT}`;
  log('');
  log(`API         ${api}   (health: ${api}/health)`);
  log(`WebSocket   ws://localhost:${env.NOTIFIER_PORT}/ws/{session_id}`);
  log(`Dev API key ${apiKey}`);
  if (env.DEMO_TENANT_ID) log(`Demo        ${api}/demo   (browser demo of the dev tenant; DEMO=off turns it off)`);
  log(`Try         curl -s -X POST ${api}/v1/streaming.new -H 'Authorization: Bearer ${apiKey}' -H 'Content-Type: application/json' -d '{"quality":"medium"}'`);
  log(`Admin token ${env.ADMIN_TOKEN}   (admin API: curl -s ${api}/admin/v1/tenants -H 'Authorization: Bearer ${env.ADMIN_TOKEN}')`);
  log(`Admin CLI   DATABASE_URL=${env.DATABASE_URL} npm run admin -- --help`);
  if (!process.env.NATS_URL) log(`            (announcing to the gateways too: NATS_URL=${env.NATS_URL} NATS_USER=admin NATS_PASSWORD=<admin's in .run/nats/nats-credentials.json>)`);
  log('Ctrl-C stops everything.');
}

async function shutdown(reason, exitCode) {
  if (state.stopping) return;
  state.stopping = true;
  log(reason);
  await stopApps(state.apps);
  await stopEmbeddedInfra(state.servers);
  log('stopped');
  process.exit(exitCode);
}

function log(line) {
  console.log(`${label('start', 'green')} ${line}`);
}

main().catch((error) => shutdown(`failed: ${error.message}`, 1));
