'use strict';
// nats-server with JetStream on a private loopback port. Its store lives under
// dataDir/jetstream (kept across restarts when dataDir is). Ready means the monitor's
// health endpoint reports JetStream enabled, not merely an open port.
//
// The server runs from a configuration file it is given in dataDir (nats.conf, mode
// 0600): listen address, monitor, JetStream, and — with `auth` — the platform's users
// with their permissions (./nats-auth.js, from the contracts lib's permission matrix):
//   auth: true          a password per user, generated on the first start and kept in
//                       dataDir/nats-credentials.json (0600): a restart on the same
//                       dataDir keeps them, so connected apps log in again;
//   auth: {credentials} these users and passwords ({ gateway: { user, password }, … });
//   auth: false         no authentication (a transport test, the floor bench);
//   auth left out       the credentials kept in dataDir if an earlier start had some
//                       (restarting a server restarts it as it was), else none.
// The answer carries `credentials` (null without auth) and `clientOptions(role)`, the
// nats.js connect options of one role.
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { ensureBinaries } = require('./binaries');
const { spawnServer, stopChild } = require('./children');
const { waitUntilReady } = require('./readiness');
const { freePort } = require('./ports');
const { generateNatsCredentials, natsAuthorization, natsClientOptions } = require('./nats-auth');

const CREDENTIALS_FILE = 'nats-credentials.json';
const CONFIG_FILE = 'nats.conf';

async function startNats({ dataDir, port, monitorPort, timeoutMs = 15_000, auth }) {
  const { natsServer } = await ensureBinaries();
  monitorPort = monitorPort || (await freePort());
  fs.mkdirSync(dataDir, { recursive: true });
  const credentials = credentialsFor(dataDir, auth);
  const configFile = path.join(dataDir, CONFIG_FILE);
  const config = {
    listen: `127.0.0.1:${port}`,
    http: `127.0.0.1:${monitorPort}`,
    jetstream: { store_dir: path.join(dataDir, 'jetstream') },
    ...(credentials ? { authorization: natsAuthorization(credentials) } : {}),
  };
  // nats-server reads JSON; quoted strings keep `$JS.API…` from being taken for variables.
  fs.writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  const logFile = path.join(dataDir, 'nats.log');
  const child = spawnServer({ command: natsServer, args: ['-c', configFile], logFile });
  await waitUntilReady({ name: 'nats-server', child, logFile, timeoutMs, probe: () => healthy(monitorPort) });
  const url = `nats://127.0.0.1:${port}`;
  return {
    url,
    port,
    monitorUrl: `http://127.0.0.1:${monitorPort}`,
    pid: child.pid,
    logFile,
    credentials,
    clientOptions: (role) => natsClientOptions(url, role && credentials ? credentials[role] : undefined),
    stop: async () => void (await stopChild(child)),
  };
}

function credentialsFor(dataDir, auth) {
  const file = path.join(dataDir, CREDENTIALS_FILE);
  const kept = () => (fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : null);
  if (auth === false) return null;
  if (auth === undefined) return kept();
  // A role the kept file lacks (added since) gets a new password; the others keep theirs.
  const credentials = auth === true ? { ...generateNatsCredentials(), ...(kept() ?? {}) } : auth.credentials;
  fs.writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  return credentials;
}

function healthy(monitorPort) {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port: monitorPort, path: '/healthz?js-enabled-only=true', timeout: 1_000, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    request.once('timeout', () => request.destroy(new Error('healthz timed out')));
    request.once('error', reject);
  });
}

module.exports = { startNats };
