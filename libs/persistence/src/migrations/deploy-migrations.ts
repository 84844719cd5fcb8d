import { readMigrationList, resolveMigrationPaths, type MigrationPaths } from './migration-directory';
import { NO_EXTERNAL_ENTITIES, withSchemaEngine } from './schema-engine-session';

/**
 * Applies the migrations in prisma/migrations that the database has not seen, in
 * order, recording them in _prisma_migrations exactly like `prisma migrate deploy`.
 * Returns the names applied by this call (empty when up to date). Safe to run from
 * several processes at once: the engine holds an advisory lock while it works, so
 * the others wait and then find nothing left to apply.
 */
export async function deployMigrations(databaseUrl: string, paths: Partial<MigrationPaths> = {}): Promise<string[]> {
  const resolved = resolveMigrationPaths(paths);
  return withSchemaEngine(databaseUrl, resolved, async (engine) => {
    const { appliedMigrationNames } = await engine.applyMigrations({
      migrationsList: readMigrationList(resolved),
      filters: NO_EXTERNAL_ENTITIES,
    });
    return appliedMigrationNames;
  });
}
