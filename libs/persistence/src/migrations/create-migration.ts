import { readMigrationList, readSchema, resolveMigrationPaths, writeMigration, type MigrationPaths } from './migration-directory';
import { NO_EXTERNAL_ENTITIES, withSchemaEngine } from './schema-engine-session';

export type CreatedMigration =
  | { created: true; name: string; file: string }
  | { created: false; reason: 'no changes' };

/** `diff` reports 2 for "there are differences" when asked for an exit code. */
const DIFF_NOT_EMPTY = 2;

/**
 * Writes prisma/migrations/<timestamp>_<name>/migration.sql with the SQL that takes
 * a database from the migration history to prisma/schema.prisma, like
 * `prisma migrate dev --create-only`. The engine replays the history into a
 * temporary shadow database (created on the server of databaseUrl, so its user
 * needs CREATEDB; dropped afterwards) and diffs it with the schema. The database at
 * databaseUrl itself is neither read nor changed.
 *
 * Why `diff` and not the engine's `createMigration`: in the WebAssembly build that
 * one refuses PostgreSQL ("shadow DB must be provided through an external
 * factory") while `diff` does use the adapter's shadow database.
 */
export async function createMigration(
  databaseUrl: string,
  name: string,
  paths: Partial<MigrationPaths> = {},
): Promise<CreatedMigration> {
  if (!/^[a-z0-9_]+$/i.test(name)) throw new Error(`migration name must be letters, digits and underscores: "${name}"`);
  const resolved = resolveMigrationPaths(paths);
  const diff = await withSchemaEngine(databaseUrl, resolved, (engine) =>
    engine.diff({
      from: { tag: 'migrations', ...readMigrationList(resolved) },
      to: { tag: 'schemaDatamodel', files: [readSchema(resolved)] },
      script: true,
      exitCode: true,
      filters: NO_EXTERNAL_ENTITIES,
    }),
  );
  if (diff.exitCode !== DIFF_NOT_EMPTY || !diff.stdout) return { created: false, reason: 'no changes' };
  const directoryName = `${timestamp(new Date())}_${name}`;
  return { created: true, name: directoryName, file: writeMigration(resolved, directoryName, diff.stdout) };
}

/** 20261120153000: UTC, to the second, the prefix `prisma migrate` gives directories. */
function timestamp(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}
