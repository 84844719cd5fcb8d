// One schema engine over one database for the length of one command, with the
// cleanup and error translation every command needs.
import { bindMigrationAwareSqlAdapterFactory, type ErrorRegistry } from '@prisma/driver-adapter-utils';
import { loadSchemaEngineWasm } from './schema-engine-wasm';
import { readSchema, type MigrationPaths } from './migration-directory';
import { PostgresMigrationAdapterFactory } from './postgres-migration-adapter';
import type { SchemaEngine, SchemaFilter } from './schema-engine.types';

/** No tables or enums are managed outside Prisma. */
export const NO_EXTERNAL_ENTITIES: SchemaFilter = { externalTables: [], externalEnums: [] };

export class MigrationEngineError extends Error {
  override readonly name = 'MigrationEngineError';
}

export async function withSchemaEngine<T>(
  databaseUrl: string,
  paths: MigrationPaths,
  run: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  const wasm = await loadSchemaEngineWasm();
  const factory = new PostgresMigrationAdapterFactory(databaseUrl);
  const bound = bindMigrationAwareSqlAdapterFactory(factory);
  const schema = readSchema(paths);
  let engine: SchemaEngine | undefined;
  try {
    engine = await wasm.SchemaEngine.new({ datamodels: [[schema.path, schema.content]] }, logEngineLine, bound);
    return await run(engine);
  } catch (error) {
    throw withDriverErrors(error, bound.errorRegistry);
  } finally {
    engine?.free();
    await factory.close();
  }
}

/** The engine logs JSON lines; they are noise unless someone is debugging it. */
function logEngineLine(line: string): void {
  if (process.env.DEBUG_SCHEMA_ENGINE) process.stderr.write(`schema-engine: ${line}\n`);
}

/**
 * A JavaScript error inside the driver (connection refused, bad password...) reaches
 * us as "External error id#N"; the real error waits in the adapter's registry.
 */
export function withDriverErrors(error: unknown, registry: ErrorRegistry): Error {
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : JSON.stringify(error);
  let cause: unknown;
  const resolved = message.replace(/External error id#(\d+)/g, (text, id: string) => {
    const record = registry.consumeError(Number(id));
    if (!record) return text;
    cause ??= record.error;
    return describe(record.error);
  });
  return new MigrationEngineError(resolved, { cause: cause ?? error });
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  if (error instanceof Error) return error.message || (error as NodeJS.ErrnoException).code || error.name;
  return String(error);
}
