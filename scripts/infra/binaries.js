'use strict';
// Locates the Debian-packaged servers the project runs on loopback (and espeak-ng, the
// local speech engine; Chromium for the demo's browser test; Debian's Python with the
// Python SDK's httpx, pydantic and websockets), installing the missing ones with apt when we may (root on
// Debian), otherwise failing with the exact command to run. The result is cached:
// later calls cost nothing.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

// nats-server lives in /usr/sbin, which is not on a non-root user's PATH.
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
const PG_TOOLS = ['initdb', 'pg_ctl', 'postgres'];
const APT_PACKAGES = {
  redis: 'redis-server',
  nats: 'nats-server',
  postgres: 'postgresql',
  espeak: 'espeak-ng',
  chromium: 'chromium',
  python: 'python3-httpx python3-pydantic python3-websockets',
  // Deployment checks: `docker-compose config` validates the compose file without an
  // engine. (The overlays are rendered by a kubectl ≥ 1.27 these machines carry; Debian's
  // kubernetes-client is 1.20, too old for them, so kubectl is looked for, not installed:
  // test/deploy/tools.ts says how to get one when it is missing.)
  dockerCompose: 'docker-compose',
};
// Debian's Python (a `python3` earlier on PATH may be another install without Debian's modules).
const DEBIAN_PYTHON = '/usr/bin/python3';
const PYTHON_MODULES = ['httpx', 'pydantic', 'websockets'];

// What the platform runs on; the test tools only `npm test` needs (`npm start` does not
// install a browser).
const PLATFORM = ['redis', 'nats', 'postgres', 'espeak'];
const TEST_TOOLS = ['chromium', 'python', 'dockerCompose'];

let cached = null;

async function ensureBinaries({ log = console.log, testTools = false } = {}) {
  if (cached && (!testTools || TEST_TOOLS.every((key) => cached[key]))) return cached;
  const wanted = testTools ? [...PLATFORM, ...TEST_TOOLS] : PLATFORM;
  let found = locateAll();
  const missing = wanted.filter((key) => !found[key]);
  if (missing.length > 0) {
    installWithApt(missing.flatMap((key) => APT_PACKAGES[key].split(' ')), log);
    found = locateAll();
    const still = wanted.filter((key) => !found[key]);
    if (still.length > 0) throw new Error(`still missing after apt-get install: ${still.map((k) => APT_PACKAGES[k]).join(', ')}`);
  }
  cached = {
    redisServer: found.redis,
    natsServer: found.nats,
    pgBinDir: found.postgres,
    initdb: path.join(found.postgres, 'initdb'),
    pgCtl: path.join(found.postgres, 'pg_ctl'),
    postgres: path.join(found.postgres, 'postgres'),
    espeakNg: found.espeak,
    chromium: found.chromium,
    python: found.python,
    dockerCompose: found.dockerCompose,
    kubectl: found.kubectl,
  };
  return cached;
}

function locateAll() {
  return {
    redis: which('redis-server'),
    nats: which('nats-server'),
    postgres: postgresBinDir(),
    espeak: which('espeak-ng'),
    chromium: which('chromium'),
    python: debianPython(),
    dockerCompose: which('docker-compose'),
    kubectl: which('kubectl'),
  };
}

function debianPython() {
  if (!isExecutable(DEBIAN_PYTHON)) return null;
  const probe = spawnSync(DEBIAN_PYTHON, ['-c', `import ${PYTHON_MODULES.join(', ')}`], { stdio: 'ignore' });
  return probe.status === 0 ? DEBIAN_PYTHON : null;
}

function which(name) {
  const dirs = [...(process.env.PATH || '').split(path.delimiter).filter(Boolean), ...EXTRA_DIRS];
  return dirs.map((dir) => path.join(dir, name)).find(isExecutable) || null;
}

// Debian puts initdb/pg_ctl/postgres in /usr/lib/postgresql/<major>/bin (only client
// wrappers are on PATH). Prefer one on PATH, else the newest installed major.
function postgresBinDir() {
  const onPath = which('initdb');
  // A PATH entry may be a symlink into /usr/lib/postgresql/<major>/bin: use that dir.
  const candidates = onPath ? [path.dirname(fs.realpathSync(onPath))] : [];
  const root = '/usr/lib/postgresql';
  if (fs.existsSync(root)) {
    const majors = fs.readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...majors.map((v) => path.join(root, v, 'bin')));
  }
  return candidates.find((dir) => PG_TOOLS.every((tool) => isExecutable(path.join(dir, tool)))) || null;
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function installWithApt(packages, log) {
  const isRoot = process.getuid?.() === 0;
  const sudo = isRoot ? '' : 'sudo ';
  const command = `${sudo}apt-get update && ${sudo}apt-get install -y ${packages.join(' ')}`;
  if (!isRoot || !isExecutable('/usr/bin/apt-get')) {
    throw new Error(`Missing system packages: ${packages.join(', ')}. Install them with:\n  ${command}`);
  }
  log(`infra: installing ${packages.join(', ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', ...packages]]) {
    const result = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${result.status}); try: ${command}`);
  }
}

module.exports = { ensureBinaries };
