#!/usr/bin/env node
'use strict';
// Stand-in for Prisma's native schema engine, which the CLI would download from a
// host these machines cannot reach. prisma.config.ts points
// PRISMA_SCHEMA_ENGINE_BINARY here so that `prisma generate` (which only needs the
// path to exist) works offline. Commands that really need the engine
// (migrate, db push, db pull) end here with a pointer to our own runner, which
// drives the WebAssembly build of the same engine.
process.stderr.write('No native Prisma schema engine here (offline): use npm run db:migrate, db:migrate:create -- <name> or db:status\n');
process.exit(1);
