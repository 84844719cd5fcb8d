'use strict';
// Starts the floor (floor.js) on its own embedded Redis and NATS: three processes,
// like the platform's three apps. Same client interface as bench/lib/targets.js.
// `durable: true` starts the durable floor (FLOOR_DURABLE, see floor.js), with its
// own PostgreSQL too.
const path = require('node:path');
const { spawn } = require('node:child_process');
const infra = require('../../scripts/infra');
const { benchDir, startInfra } = require('../lib/platform');

async function startFloor({ durable = false, log = () => {} } = {}) {
  const name = durable ? 'durable-floor' : 'floor';
  // The floor has no NATS users of its own: a NATS without authentication.
  const servers = await startInfra(benchDir(name), { postgres: durable, natsAuth: false });
  const children = [];
  const stop = async () => {
    await Promise.all(children.map((c) => infra.stopChild(c, { timeoutMs: 5_000 })));
    await servers.stop();
  };
  try {
    const [apiPort, relayPort] = [await infra.freePort(), await infra.freePort()];
    const env = { ...process.env, REDIS_URL: servers.redis.url, NATS_URL: servers.nats.url };
    if (durable) Object.assign(env, { FLOOR_DURABLE: '1', DATABASE_URL: await infra.createDatabase(servers.pg.url, 'floor') });
    const roles = [
      ['api', apiPort],
      ['worker', 0],
      ['relay', relayPort],
    ];
    await Promise.all(
      roles.map(([role, port]) => {
        const child = infra.trackChild(spawn(process.execPath, [path.join(__dirname, 'floor.js'), role], { env: { ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] }));
        children.push(child);
        return new Promise((resolve, reject) => {
          child.stdout.on('data', (chunk) => (String(chunk).includes('ready') ? resolve() : process.stdout.write(`[floor ${role}] ${chunk}`)));
          child.exited.then(({ code, signal }) => reject(new Error(`floor ${role} exited (${code ?? signal})`)));
        });
      }),
    );
    log(`${name}: redis ${servers.redis.url}, nats ${servers.nats.url}${durable ? `, postgres ${env.DATABASE_URL}` : ''}`);
    return { apiUrl: `http://127.0.0.1:${apiPort}`, wsUrl: `ws://127.0.0.1:${relayPort}`, natsUrl: servers.nats.url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

module.exports = { startFloor };
