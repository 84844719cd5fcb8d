'use strict';
// The dev launcher's infrastructure: for each of REDIS_URL, NATS_URL and DATABASE_URL
// that the environment does not set, an embedded server from scripts/infra with its
// data under .run/<name>/ (persistent across restarts, git-ignored).
//
// Ports are fixed so URLs and data stay stable between runs, and chosen off the
// standard ones so a system-wide Redis/NATS/PostgreSQL does not collide:
//   EMBEDDED_REDIS_PORT (6390), EMBEDDED_NATS_PORT (4232),
//   EMBEDDED_NATS_MONITOR_PORT (8232), EMBEDDED_PG_PORT (5442).
// Set one to 0 for a free port chosen at start.
const path = require('node:path');
const infra = require('../infra');

const DEFAULT_PORTS = { EMBEDDED_REDIS_PORT: 6390, EMBEDDED_NATS_PORT: 4232, EMBEDDED_NATS_MONITOR_PORT: 8232, EMBEDDED_PG_PORT: 5442 };
const DATABASE = 'avatar';

async function port(name) {
  const configured = process.env[name] ?? String(DEFAULT_PORTS[name]);
  if (!/^\d+$/.test(configured)) throw new Error(`${name} must be a port number, not "${configured}"`);
  return Number(configured) || infra.freePort();
}

// Returns { urls: { REDIS_URL, NATS_URL, DATABASE_URL }, servers, natsCredentials } where
// servers are the embedded ones started (in start order), each { name, url, stop() }, and
// natsCredentials the users of the embedded NATS ({ gateway: { user, password }, … }: each
// app logs in as its own, with its permissions; passwords generated on the first start and
// kept in .run/nats/nats-credentials.json), null when NATS_URL points elsewhere.
async function startEmbeddedInfra({ runDir, log, servers = [] }) {
  const urls = { REDIS_URL: process.env.REDIS_URL, NATS_URL: process.env.NATS_URL, DATABASE_URL: process.env.DATABASE_URL };
  const starts = [];
  let natsCredentials = null;
  if (!urls.REDIS_URL) {
    starts.push(
      (async () => {
        const redis = await infra.startRedis({ dataDir: path.join(runDir, 'redis'), port: await port('EMBEDDED_REDIS_PORT'), persist: true });
        servers.push({ name: 'redis', ...redis });
        urls.REDIS_URL = redis.url;
      })(),
    );
  }
  if (!urls.NATS_URL) {
    starts.push(
      (async () => {
        const dataDir = path.join(runDir, 'nats');
        const nats = await infra.startNats({ dataDir, port: await port('EMBEDDED_NATS_PORT'), monitorPort: await port('EMBEDDED_NATS_MONITOR_PORT'), auth: true });
        servers.push({ name: 'nats', ...nats });
        urls.NATS_URL = nats.url;
        natsCredentials = nats.credentials;
      })(),
    );
  }
  if (!urls.DATABASE_URL) {
    starts.push(
      (async () => {
        const postgres = await infra.startPostgres({ dataDir: path.join(runDir, 'postgres'), port: await port('EMBEDDED_PG_PORT') });
        servers.push({ name: 'postgres', ...postgres });
        urls.DATABASE_URL = await infra.createDatabase(postgres.url, DATABASE, { ifNotExists: true });
      })(),
    );
  }
  const results = await Promise.allSettled(starts);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason; // the caller stops what did start (it holds `servers`)
  for (const server of servers) log(`embedded ${server.name} at ${server.url} (log: ${path.relative(process.cwd(), server.logFile)})`);
  return { urls, servers, natsCredentials };
}

async function stopEmbeddedInfra(servers) {
  await Promise.allSettled(servers.splice(0).map((server) => server.stop()));
}

module.exports = { startEmbeddedInfra, stopEmbeddedInfra };
