#!/usr/bin/env node
'use strict';
// First step of `npm test` and `npm start`: makes a fresh clone (or one whose lockfile
// changed since the last install) runnable without a manual step. Runs `npm ci` when
// node_modules is missing or older than package-lock.json, then makes sure the
// system servers (Redis, NATS, PostgreSQL) are installed. Costs a few ms when all is
// present. Uses only Node built-ins: it runs before node_modules exists.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { ensureBinaries } = require('./infra/binaries');

const root = path.resolve(__dirname, '..');

// npm writes node_modules/.package-lock.json at the end of every install, so its
// mtime says when node_modules last matched a lockfile.
function nodeModulesOutdated() {
  const installed = path.join(root, 'node_modules', '.package-lock.json');
  if (!fs.existsSync(installed)) return true;
  return fs.statSync(path.join(root, 'package-lock.json')).mtimeMs > fs.statSync(installed).mtimeMs;
}

function npmCi(log) {
  log('ensure-deps: node_modules is missing or older than package-lock.json: running npm ci');
  // Under `npm test`/`npm start`, npm_execpath is the running npm: use the same one.
  const npmCli = process.env.npm_execpath;
  const [command, args] = npmCli && npmCli.endsWith('.js') ? [process.execPath, [npmCli, 'ci']] : ['npm', ['ci']];
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`npm ci failed (exit ${result.status ?? result.signal})`);
}

/** `testTools`: also Chromium and Debian's Python modules (the browser and Python SDK tests). */
async function ensureDeps({ log = console.log, testTools = false } = {}) {
  if (nodeModulesOutdated()) npmCi(log);
  await ensureBinaries({ log, testTools });
}

module.exports = { ensureDeps };
// Run directly, it is the first step of `npm test`.
if (require.main === module) {
  ensureDeps({ testTools: true }).catch((err) => {
    console.error(err.message);
    process.exit(1);
  });
}
