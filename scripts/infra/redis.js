'use strict';
// Redis on a private loopback port. Without `persist` nothing touches the disk (the
// test default); with it an append-only file under dataDir keeps queues across
// restarts of the dev launcher.
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { ensureBinaries } = require('./binaries');
const { spawnServer, stopChild } = require('./children');
const { waitUntilReady } = require('./readiness');

async function startRedis({ dataDir, port, persist = false, timeoutMs = 10_000 }) {
  const { redisServer } = await ensureBinaries();
  fs.mkdirSync(dataDir, { recursive: true });
  const logFile = path.join(dataDir, 'redis.log');
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dataDir, '--daemonize', 'no', '--save', ''];
  args.push('--appendonly', persist ? 'yes' : 'no');
  const child = spawnServer({ command: redisServer, args, logFile });
  await waitUntilReady({ name: 'redis-server', child, logFile, timeoutMs, probe: () => ping(port) });
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: child.pid,
    logFile,
    stop: async () => void (await stopChild(child)),
  };
}

// One inline PING over a raw socket: no client library needed before `npm ci`.
function ping(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let reply = '';
    socket.setTimeout(1_000, () => socket.destroy(new Error('PING timed out')));
    socket.once('error', reject);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk;
      if (reply.includes('\r\n')) {
        socket.destroy();
        resolve(reply.startsWith('+PONG'));
      }
    });
  });
}

module.exports = { startRedis };
