// Types of Prisma's WebAssembly schema engine (an internal, undocumented API: the
// package is pinned to the exact version matching our Prisma release).
export type {
  SchemaEngine,
  MigrationList,
  SchemaFilter,
  DiagnoseMigrationHistoryOutput,
  CreateMigrationOutput,
} from '@prisma/schema-engine-wasm';
