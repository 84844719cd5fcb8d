import { readMigrationList, resolveMigrationPaths, type MigrationPaths } from './migration-directory';
import { NO_EXTERNAL_ENTITIES, withSchemaEngine } from './schema-engine-session';

export interface MigrationStatus {
  /** Migrations in prisma/migrations that the database has recorded as applied (and not failed). */
  applied: string[];
  /** Migrations in prisma/migrations not applied yet (what a deploy would apply). */
  pending: string[];
  /** Migrations the database recorded that prisma/migrations does not have. */
  unknownToFolder: string[];
  /** Applied migrations whose migration.sql changed since (checksum mismatch). */
  edited: string[];
  /** Migrations that failed half way and need a manual fix. */
  failed: string[];
  /** True when nothing is pending and the history has not drifted. */
  upToDate: boolean;
}

/** Compares the database's migration history with prisma/migrations (read only). */
export async function migrationStatus(databaseUrl: string, paths: Partial<MigrationPaths> = {}): Promise<MigrationStatus> {
  const resolved = resolveMigrationPaths(paths);
  const migrationsList = readMigrationList(resolved);
  const local = migrationsList.migrationDirectories.map((dir) => dir.path);
  const diagnosis = await withSchemaEngine(databaseUrl, resolved, (engine) =>
    engine.diagnoseMigrationHistory({ migrationsList, optInToShadowDatabase: false, filters: NO_EXTERNAL_ENTITIES }),
  );
  const history = diagnosis.history;
  const pending = !diagnosis.hasMigrationsTable
    ? local
    : history && history.diagnostic !== 'migrationsDirectoryIsBehind'
      ? history.unappliedMigrationNames
      : [];
  const unknownToFolder = history && history.diagnostic !== 'databaseIsBehind' ? history.unpersistedMigrationNames : [];
  const failed = diagnosis.failedMigrationNames;
  const status = {
    applied: local.filter((name) => !pending.includes(name) && !failed.includes(name)),
    pending,
    unknownToFolder,
    edited: diagnosis.editedMigrationNames,
    failed,
  };
  return {
    ...status,
    upToDate: [status.pending, status.unknownToFolder, status.edited, status.failed].every((list) => list.length === 0),
  };
}
