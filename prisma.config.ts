// Prisma 7 configuration: where the schema and the migrations are, and (Prisma 7
// moved it out of schema.prisma) the database URL for CLI commands.
import path from 'node:path';
import { defineConfig } from 'prisma/config';

// The CLI downloads a native schema engine on almost every command, and that host is
// unreachable here. `prisma generate` is satisfied by any existing file at this
// path; ours explains, if something does try to run it, that migrations go through
// scripts/db/migrate.js (the WebAssembly engine) instead.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.join(__dirname, 'scripts', 'db', 'no-native-schema-engine.js');

export default defineConfig({
  schema: path.join(__dirname, 'prisma', 'schema.prisma'),
  migrations: { path: path.join(__dirname, 'prisma', 'migrations') },
  // Optional: generate needs no database, and the dev launcher provides the URL.
  ...(process.env.DATABASE_URL ? { datasource: { url: process.env.DATABASE_URL } } : {}),
});
