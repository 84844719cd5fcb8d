'use strict';
// Creating and dropping databases on a cluster through its admin URL, with the `pg`
// package (required lazily: this library also loads before `npm ci`).

function quoteIdent(name) {
  return `"${String(name).replace(/"/g, '""')}"`;
}

// The URL of database `name` on the same server and user as `url`.
function databaseUrl(url, name) {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(name)}`;
  return parsed.toString();
}

async function withAdmin(adminUrl, work) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: adminUrl });
  client.on('error', () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

// Returns the new database's URL. `ifNotExists` makes it idempotent (the dev
// launcher); `template` clones an already-migrated database (tests).
async function createDatabase(adminUrl, name, { template, ifNotExists = false } = {}) {
  await withAdmin(adminUrl, async (client) => {
    if (ifNotExists) {
      const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
      if (rowCount > 0) return;
    }
    const from = template ? ` TEMPLATE ${quoteIdent(template)}` : '';
    await client.query(`CREATE DATABASE ${quoteIdent(name)}${from}`);
  });
  return databaseUrl(adminUrl, name);
}

// FORCE disconnects sessions a test forgot to close, so a drop never hangs.
async function dropDatabase(adminUrl, name) {
  await withAdmin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
}

module.exports = { createDatabase, dropDatabase, databaseUrl };
