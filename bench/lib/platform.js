'use strict';
// The whole platform for a bench, started by the bench: its own Redis, NATS and
// PostgreSQL (scripts/infra, data in a temporary directory, free ports), the
// migrated database (scripts/db/migrate.js), the dev tenant (dist/.../dev-tenant.seed.js)
// and the built apps from dist/ under the dev launcher's supervision
// (scripts/dev/app-processes.js). `npm run build` first.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const infra = require('../../scripts/infra');
const steps = require('../../scripts/dev/steps');
const { APPS, startApps, stopApps, waitForHttp } = require('../../scripts/dev/app-processes');

function benchDir(name) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `avatar-bench-${name}-`));
  fs.chmodSync(dir, 0o755); // PostgreSQL runs as `postgres` when we are root
  return dir;
}

// natsAuth: NATS with the platform's users and permissions (the platform's apps log in
// as theirs); false for the floor, which is not the platform.
async function startInfra(dir, { postgres = false, natsAuth = true } = {}) {
  const servers = [];
  const stop = async () => {
    await Promise.allSettled(servers.splice(0).map((s) => s.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const [redis, nats, pg] = await Promise.all([
      infra.startRedis({ dataDir: path.join(dir, 'redis'), port: await infra.freePort() }).then((s) => (servers.push(s), s)),
      infra.startNats({ dataDir: path.join(dir, 'nats'), port: await infra.freePort(), auth: natsAuth }).then((s) => (servers.push(s), s)),
      postgres ? infra.startPostgres({ dataDir: path.join(dir, 'postgres'), port: await infra.freePort() }).then((s) => (servers.push(s), s)) : null,
    ]);
    return { redis, nats, pg, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

// options.apps: which apps (default all three); options.env: extra app environment.
// Resolves once gateway and notifier answer HTTP, as `npm start` does before it
// prints its welcome; `upAt` is that moment (performance.now()).
// The bench drives more sessions and speaks than a tenant's defaults allow (10 new
// sessions and 30 speaks a minute, 20 live sessions): it raises them for its tenant
// rather than turning limits off, so the figures include what checking them costs.
async function liftTenantLimits(databaseUrl, tenantId) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      `UPDATE tenants SET limits = $2::jsonb, quotas = $3::jsonb WHERE id = $1::uuid`,
      [tenantId, JSON.stringify({ sessions_per_minute: 100000, speak_per_minute: 1000000, chat_per_minute: 1000000 }), JSON.stringify({ max_active_sessions: 100000, max_queued_tasks_per_session: 10000 })],
    );
  } finally {
    await client.end();
  }
}

async function startPlatform({ apps = ['gateway', 'worker', 'notifier'], env = {}, log = () => {} } = {}) {
  const dir = benchDir('platform');
  const servers = await startInfra(dir, { postgres: true });
  let running = [];
  const stop = async () => {
    await stopApps(running);
    await servers.stop();
  };
  try {
    const databaseUrl = await infra.createDatabase(servers.pg.url, 'avatar', { ifNotExists: true });
    await steps.migrate(databaseUrl, { stdio: 'ignore' });
    const { tenantId, apiKey } = await steps.seedDevTenant(databaseUrl);
    await liftTenantLimits(databaseUrl, tenantId);
    const [gatewayPort, notifierPort] = [await infra.freePort(), await infra.freePort()];
    const appEnv = {
      ...process.env,
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      REDIS_URL: servers.redis.url,
      NATS_URL: servers.nats.url,
      DATABASE_URL: databaseUrl,
      SESSION_TOKEN_SECRET: crypto.randomBytes(32).toString('base64url'),
      GATEWAY_PORT: String(gatewayPort),
      NOTIFIER_PORT: String(notifierPort),
      // The worker's probes and metrics port: free, so a bench never collides with `npm start` (8002).
      WORKER_HTTP_PORT: String(await infra.freePort()),
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      ...env,
    };
    log(`platform: redis ${servers.redis.url}, nats ${servers.nats.url}, postgres ${databaseUrl}`);
    const envFor = (name) => infra.natsEnvOf(servers.nats.credentials, name);
    running = startApps({ root: steps.root, env: appEnv, envFor, log: (line) => log(`platform: ${line}`), apps: APPS.filter((a) => apps.includes(a.name)) });
    const isAlive = () => true;
    const waits = [];
    if (apps.includes('gateway')) waits.push(waitForHttp(gatewayPort, { isAlive }));
    if (apps.includes('notifier')) waits.push(waitForHttp(notifierPort, { isAlive }));
    await Promise.all(waits);
    return {
      apiUrl: `http://127.0.0.1:${gatewayPort}`,
      wsUrl: `ws://127.0.0.1:${notifierPort}`,
      natsUrl: servers.nats.url,
      /** nats.js connect options as one of the platform's NATS users (gateway, worker, notifier, admin). */
      natsOptions: (role) => servers.nats.clientOptions(role),
      redisUrl: servers.redis.url,
      databaseUrl,
      tenantId,
      apiKey,
      secret: appEnv.SESSION_TOKEN_SECRET,
      env: appEnv,
      apps: running,
      upAt: require('node:perf_hooks').performance.now(),
      pid: (name) => running.find((a) => a.name === name)?.child.pid,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

// Stops `stop` on Ctrl-C, then exits (the benches run long).
function stopOnSignals(stoppers) {
  infra.leaveSignalsToCaller();
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, async () => {
      if (stopping) process.exit(130);
      stopping = true;
      await Promise.allSettled(stoppers.map((stop) => stop()));
      process.exit(130);
    });
  }
}

module.exports = { benchDir, startInfra, startPlatform, stopOnSignals };
