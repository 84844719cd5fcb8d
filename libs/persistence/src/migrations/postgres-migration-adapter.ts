// The driver adapter the schema engine migrates through: Prisma's own pg adapter,
// with three things changed for migrations.
//
// 1. The main connection is ONE PostgreSQL session (a pool of max 1). The engine
//    serialises concurrent deploys with a session-level advisory lock; through a
//    larger pool, lock, migration and unlock could land on different sessions.
// 2. Scripts go to PostgreSQL whole, as one simple query (what the native engine
//    does), instead of PrismaPg's split on ";", which breaks on a semicolon inside a
//    string or a $$ function body. A multi-statement simple query is also one
//    implicit transaction: a migration that fails leaves nothing half applied.
// 3. The shadow database (for diffs) is created here and dropped WITH (FORCE) when
//    the engine lets go of it. PrismaPg's own version connects back to the main
//    database when configured with a connection string (pg lets the string's
//    database win over the `database` option) and never closes its admin pool.
// 4. Catalog columns of PostgreSQL's internal "char" type (pg_class.relkind,
//    pg_constraint.contype...), which the engine reads to describe a schema, are
//    reported as text: PrismaPg has no mapping for that type and fails the query
//    ("Column type 'char' could not be deserialized").
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import {
  DriverAdapterError,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';

export class PostgresMigrationAdapterFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres' as const;
  readonly adapterName: string;
  private readonly open = new Set<SqlDriverAdapter>();

  constructor(private readonly databaseUrl: string) {
    this.adapterName = new PrismaPg(databaseUrl).adapterName;
  }

  connect(): Promise<SqlDriverAdapter> {
    return this.connectTo(this.databaseUrl);
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const name = `prisma_shadow_${randomUUID().replaceAll('-', '')}`;
    await runAsAdmin(this.databaseUrl, `CREATE DATABASE "${name}"`);
    const shadowUrl = new URL(this.databaseUrl);
    shadowUrl.pathname = `/${name}`;
    const drop = () => runAsAdmin(this.databaseUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    return this.connectTo(shadowUrl.toString(), drop).catch(async (error: unknown) => {
      await drop().catch(() => undefined); // do not leave the shadow behind; report the first error
      throw error;
    });
  }

  /** Disposes whatever the engine left open (pools keep a process alive). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.open].map((adapter) => adapter.dispose()));
  }

  private async connectTo(url: string, afterDispose?: () => Promise<void>): Promise<SqlDriverAdapter> {
    const pool = new pg.Pool({ connectionString: url, max: 1, idleTimeoutMillis: 0 });
    reportCharColumnsAsText(pool);
    pool.on('connect', (client) => reportCharColumnsAsText(client)); // transactions query a client directly
    const adapter = await new PrismaPg(pool, { disposeExternalPool: true }).connect();
    let disposed: Promise<void> | undefined;
    const wrapped: SqlDriverAdapter = {
      provider: adapter.provider,
      adapterName: adapter.adapterName,
      queryRaw: (query) => adapter.queryRaw(query),
      executeRaw: (query) => adapter.executeRaw(query),
      startTransaction: (isolationLevel) => adapter.startTransaction(isolationLevel),
      getConnectionInfo: () => adapter.getConnectionInfo?.() ?? { supportsRelationJoins: true },
      executeScript: (script) => runScript(pool, script),
      dispose: () =>
        (disposed ??= (async () => {
          this.open.delete(wrapped);
          await adapter.dispose();
          await afterDispose?.();
        })()),
    };
    this.open.add(wrapped);
    return wrapped;
  }
}

const PG_INTERNAL_CHAR = 18;
const PG_TEXT = 25;

/** Rewrites the type of "char" result columns to text (values are 1-char strings either way). */
function reportCharColumnsAsText(queryable: pg.Pool | pg.PoolClient): void {
  const query = queryable.query.bind(queryable) as (...args: unknown[]) => unknown;
  queryable.query = ((...args: unknown[]) => {
    const result = query(...args) as Promise<pg.QueryResult> | undefined;
    if (typeof result?.then !== 'function') return result; // callback style (pg-pool internally)
    return result.then((res: pg.QueryResult) => {
      for (const field of res?.fields ?? []) if (field.dataTypeID === PG_INTERNAL_CHAR) field.dataTypeID = PG_TEXT;
      return res;
    });
  }) as typeof queryable.query;
}

async function runScript(pool: pg.Pool, script: string): Promise<void> {
  try {
    await pool.query(script);
  } catch (error) {
    throw asDriverAdapterError(error);
  }
}

/** PostgreSQL errors become ones the engine reports (and records) with their text. */
function asDriverAdapterError(error: unknown): unknown {
  if (!(error instanceof pg.DatabaseError)) return error;
  return new DriverAdapterError({
    kind: 'postgres',
    code: error.code ?? 'N/A',
    severity: error.severity ?? 'ERROR',
    message: error.message,
    detail: error.detail,
    column: error.column,
    hint: error.hint,
  });
}

/** One statement on its own connection (CREATE/DROP DATABASE cannot run in a transaction). */
async function runAsAdmin(databaseUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
