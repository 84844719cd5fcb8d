'use strict';
// Start-up steps shared by the dev launcher (start.js) and the benches (bench/lib):
// a short-lived child with the caller's terminal, the migrations, the dev tenant.
const path = require('node:path');
const { spawn } = require('node:child_process');
const { trackChild } = require('../infra');

const root = path.resolve(__dirname, '..', '..');

// A short-lived step (build, migrations): resolves when it exits 0.
function run(command, args, env, { stdio = 'inherit' } = {}) {
  return new Promise((resolve, reject) => {
    const child = trackChild(spawn(command, args, { cwd: root, env, stdio }));
    child.exited.then(({ code, signal, error }) => {
      if (code === 0) resolve();
      else reject(new Error(`${path.relative(root, args[0])} failed (${error ? error.message : `exit ${code ?? signal}`})`));
    });
  });
}

function build(options) {
  return run(process.execPath, [path.join(root, 'scripts', 'build.js')], process.env, options);
}

// scripts/db/migrate.js deploy (from the build in dist/).
function migrate(databaseUrl, options) {
  return run(process.execPath, [path.join(root, 'scripts', 'db', 'migrate.js'), 'deploy'], { ...process.env, DATABASE_URL: databaseUrl }, options);
}

// In-process, from the build: the same code the apps use to read tenants.
// Resolves to { tenantId, apiKey }.
function seedDevTenant(databaseUrl, apiKey) {
  const { seedDevTenant: seed } = require(path.join(root, 'dist', 'libs', 'tenancy', 'src', 'dev-tenant.seed.js'));
  return seed({ databaseUrl, apiKey });
}

module.exports = { root, run, build, migrate, seedDevTenant };
