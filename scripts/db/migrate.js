#!/usr/bin/env node
'use strict';
// Database migrations from the command line, on the WebAssembly schema engine
// (the Prisma CLI's native engine cannot be downloaded here). Runs the built code:
// `npm run build` first.
//
//   node scripts/db/migrate.js deploy          apply pending migrations   (npm run db:migrate)
//   node scripts/db/migrate.js create <name>   write a migration from schema changes (npm run db:migrate:create -- <name>)
//   node scripts/db/migrate.js status          compare database and prisma/migrations (npm run db:status)
//
// DATABASE_URL comes from the environment. Exit codes: 0 done / up to date,
// 1 error, 2 usage, 3 status: pending migrations or drifted history.
const path = require('node:path');
const fs = require('node:fs');

const BUILT = path.join(__dirname, '..', '..', 'dist', 'libs', 'persistence', 'src', 'migrations', 'index.js');
const USAGE = 'usage: migrate.js deploy | create <name> | status';

const EXIT = { ok: 0, error: 1, usage: 2, notUpToDate: 3 };

async function main([command, name]) {
  if (!['deploy', 'create', 'status'].includes(command) || (command === 'create' && !name)) {
    console.error(USAGE);
    return EXIT.usage;
  }
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    console.error('DATABASE_URL is not set: export it (the dev launcher sets it for you), e.g.\n  DATABASE_URL=postgresql://app@127.0.0.1:5432/avatar npm run db:migrate');
    return EXIT.error;
  }
  if (!fs.existsSync(BUILT)) {
    console.error(`${path.relative(process.cwd(), BUILT)} is missing: run \`npm run build\` first`);
    return EXIT.error;
  }
  const migrations = require(BUILT);
  const started = Date.now();
  const took = () => `${Date.now() - started} ms`;

  if (command === 'deploy') {
    const applied = await migrations.deployMigrations(databaseUrl);
    console.log(applied.length ? `migrate: applied ${applied.join(', ')} (${took()})` : `migrate: up to date, nothing to apply (${took()})`);
    return EXIT.ok;
  }
  if (command === 'create') {
    const result = await migrations.createMigration(databaseUrl, name);
    console.log(result.created ? `migrate: created ${path.relative(process.cwd(), result.file)} (${took()})` : `migrate: no changes, schema matches the migrations (${took()})`);
    return EXIT.ok;
  }
  const status = await migrations.migrationStatus(databaseUrl);
  const lines = [
    ['applied', status.applied],
    ['pending', status.pending],
    ['failed', status.failed],
    ['edited since applied', status.edited],
    ['in database, not in prisma/migrations', status.unknownToFolder],
  ];
  for (const [label, names] of lines) if (names.length || label === 'applied') console.log(`${label}: ${names.length ? names.join(', ') : '(none)'}`);
  console.log(status.upToDate ? `status: up to date (${took()})` : `status: NOT up to date (${took()})`);
  return status.upToDate ? EXIT.ok : EXIT.notUpToDate;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(`migrate: ${error.message}`);
    process.exitCode = EXIT.error;
  },
);
