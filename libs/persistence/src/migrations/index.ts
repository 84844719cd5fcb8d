// Database migrations without the Prisma CLI's native engine (which cannot be
// downloaded here): the same engine, compiled to WebAssembly, through pg.
export { deployMigrations } from './deploy-migrations';
export { migrationStatus, type MigrationStatus } from './migration-status';
export { createMigration, type CreatedMigration } from './create-migration';
export { resolveMigrationPaths, type MigrationPaths } from './migration-directory';
export { MigrationEngineError } from './schema-engine-session';
