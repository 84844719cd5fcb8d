#!/usr/bin/env node
'use strict';
// `npm run admin -- <command>`: tenants, API keys and credential keys from the command
// line, straight on the database (DATABASE_URL); `npm run admin -- --help` lists the
// commands. The logic is TypeScript (libs/tenancy/src/admin/admin-cli.ts, shared with
// the admin API); this launcher runs its build: `npm run build` first.
// Exit codes: 0 done, 1 failed, 2 usage.
const path = require('node:path');
const fs = require('node:fs');

const BUILT = path.join(__dirname, '..', 'dist', 'libs', 'tenancy', 'src', 'admin', 'admin-cli.main.js');

if (!fs.existsSync(BUILT)) {
  console.error(`${path.relative(process.cwd(), BUILT)} is missing: run \`npm run build\` first`);
  process.exitCode = 1;
} else {
  require(BUILT)
    .main(process.argv.slice(2))
    .then(
      (code) => {
        process.exitCode = code;
      },
      (error) => {
        console.error(`admin: ${error.message}`);
        process.exitCode = 1;
      },
    );
}
