'use strict';
// nats-server with JetStream on a private loopback port. Its store lives under
// dataDir/jetstream (kept across restarts when dataDir is). Ready means the monitor's
// health endpoint reports JetStream enabled, not merely an open port.
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { ensureBinaries } = require('./binaries');
const { spawnServer, stopChild } = require('./children');
const { waitUntilReady } = require('./readiness');
const { freePort } = require('./ports');

async function startNats({ dataDir, port, monitorPort, timeoutMs = 15_000 }) {
  const { natsServer } = await ensureBinaries();
  monitorPort = monitorPort || (await freePort());
  fs.mkdirSync(dataDir, { recursive: true });
  const logFile = path.join(dataDir, 'nats.log');
  const args = ['-a', '127.0.0.1', '-p', String(port), '-m', String(monitorPort), '-js', '-sd', path.join(dataDir, 'jetstream')];
  const child = spawnServer({ command: natsServer, args, logFile });
  await waitUntilReady({ name: 'nats-server', child, logFile, timeoutMs, probe: () => healthy(monitorPort) });
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    monitorUrl: `http://127.0.0.1:${monitorPort}`,
    pid: child.pid,
    logFile,
    stop: async () => void (await stopChild(child)),
  };
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
