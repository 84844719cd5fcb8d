'use strict';
// A private PostgreSQL cluster on a loopback port. dataDir is the cluster itself:
// created with initdb the first time (superuser `app`, trust auth, which is safe only
// because the server listens on 127.0.0.1 and its socket sits inside dataDir), reused
// afterwards. `fast` trades crash safety for speed, for throw-away test clusters.
//
// PostgreSQL refuses to run as root. As root, initdb and pg_ctl run through
// `runuser -u postgres --`, and the postmaster is spawned with the postgres uid/gid
// directly (no runuser in between) so the pid we track and signal is the server's.
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { ensureBinaries } = require('./binaries');
const { spawnServer, stopChild, waitForExit } = require('./children');
const { waitUntilReady } = require('./readiness');

const FAST_SETTINGS = ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off'];
const SUPERUSER = 'app';

async function startPostgres({ dataDir, port, fast = false, timeoutMs = 30_000 }) {
  const bin = await ensureBinaries();
  const owner = process.getuid?.() === 0 ? postgresAccount() : null;
  prepareDataDir(dataDir, owner);
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) await initCluster(bin, dataDir, owner, fast);

  const logFile = path.join(dataDir, 'postgres.log');
  const settings = ['listen_addresses=127.0.0.1', ...(fast ? FAST_SETTINGS : [])];
  const args = ['-D', dataDir, '-p', String(port), '-k', dataDir, ...settings.flatMap((s) => ['-c', s])];
  const child = spawnServer({ command: bin.postgres, args, logFile, cwd: '/', uid: owner?.uid, gid: owner?.gid, stopSignal: 'SIGINT' });
  const url = `postgresql://${SUPERUSER}@127.0.0.1:${port}/postgres`;
  await waitUntilReady({ name: 'postgres', child, logFile, timeoutMs, probe: () => acceptsQueries(url) });
  return { url, port, pid: child.pid, logFile, dataDir, stop: () => stopCluster(bin, dataDir, owner, child) };
}

function postgresAccount() {
  const line = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('running as root but there is no `postgres` user to run PostgreSQL as (apt-get install -y postgresql creates it)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function prepareDataDir(dataDir, owner) {
  fs.mkdirSync(dataDir, { recursive: true }); // parents keep the umask's mode
  if (owner) fs.chownSync(dataDir, owner.uid, owner.gid);
  fs.chmodSync(dataDir, 0o700); // the server refuses a group/world-readable cluster
  if (!owner) return;
  assertTraversable(path.dirname(dataDir), owner);
}

// mkdtemp and home directories are 0700 root: the postgres user could not reach the
// cluster, and initdb would only say "Permission denied". Say which directory.
function assertTraversable(dir, owner) {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const st = fs.statSync(d);
    const ok = st.mode & 0o001 || (st.uid === owner.uid && st.mode & 0o100) || (st.gid === owner.gid && st.mode & 0o010);
    if (!ok) throw new Error(`the postgres user cannot enter ${d} (mode ${(st.mode & 0o777).toString(8)}); chmod o+x it or put the data dir elsewhere`);
    if (d === path.dirname(d)) return;
  }
}

async function initCluster(bin, dataDir, owner, fast) {
  // --no-locale: the C locale exists everywhere; a LANG naming an ungenerated
  // locale would make initdb fail on minimal machines.
  const args = ['-D', dataDir, '-A', 'trust', '-U', SUPERUSER, '-E', 'UTF8', '--no-locale', ...(fast ? ['--no-sync'] : [])];
  const { code, output } = await runAsOwner(bin.initdb, args, owner);
  if (code !== 0) throw new Error(`initdb failed (exit ${code}):\n${output.trim()}`);
}

async function stopCluster(bin, dataDir, owner, child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const { code } = await runAsOwner(bin.pgCtl, ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '30'], owner);
  if (code === 0) await waitForExit(child, 10_000);
  else await stopChild(child); // pg_ctl could not do it: SIGINT is the same fast shutdown
}

function runAsOwner(command, args, owner) {
  const [cmd, argv] = owner ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    child.once('error', (err) => resolve({ code: -1, output: err.message }));
    child.once('close', (code) => resolve({ code, output }));
  });
}

async function acceptsQueries(url) {
  const { Client } = require('pg'); // lazily: this library also runs before `npm ci`
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } finally {
    await client.end().catch(() => {});
  }
}

module.exports = { startPostgres };
