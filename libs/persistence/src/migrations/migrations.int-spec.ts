// Runs the migration runner against a real PostgreSQL server: each test makes its
// own database on the server named by TEST_POSTGRES_URL (the shared Jest setup sets
// it; for a manual run, start a throwaway cluster and export it) and drops it after.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createMigration, deployMigrations, migrationStatus, resolveMigrationPaths } from './index';

const adminUrl = process.env.TEST_POSTGRES_URL;
if (!adminUrl) {
  throw new Error('TEST_POSTGRES_URL is not set: these tests need a PostgreSQL server (e.g. postgresql://app@127.0.0.1:5432/postgres)');
}

jest.setTimeout(30_000);

const created: string[] = [];
const { migrationsDir } = resolveMigrationPaths();
const migrationNames = fs.readdirSync(migrationsDir).filter((name) => fs.statSync(path.join(migrationsDir, name)).isDirectory());
const initMigration = migrationNames.find((name) => name.endsWith('_init'));

async function admin(sql: string, database?: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: database ? urlOf(database) : adminUrl });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

function urlOf(database: string): string {
  const url = new URL(adminUrl!);
  url.pathname = `/${database}`;
  return url.toString();
}

async function emptyDatabase(): Promise<{ name: string; url: string }> {
  const name = `migrations_spec_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  await admin(`CREATE DATABASE "${name}"`);
  created.push(name);
  return { name, url: urlOf(name) };
}

afterAll(async () => {
  await Promise.all(created.map((name) => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)));
});

it('has an init migration in prisma/migrations', () => {
  expect(initMigration).toBeDefined();
});

it('applies the init migration to an empty database and creates the tables', async () => {
  const db = await emptyDatabase();
  await expect(deployMigrations(db.url)).resolves.toEqual(migrationNames);
  const tables = await admin(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`, db.name);
  expect(tables.rows.map((row) => row.table_name)).toEqual(
    expect.arrayContaining(['tenants', 'api_keys', 'sessions', 'speech_tasks', 'session_events', '_prisma_migrations']),
  );
});

it('applies nothing the second time', async () => {
  const db = await emptyDatabase();
  await deployMigrations(db.url);
  await expect(deployMigrations(db.url)).resolves.toEqual([]);
});

it('lets concurrent deploys all succeed and records each migration once', async () => {
  const db = await emptyDatabase();
  const results = await Promise.all([deployMigrations(db.url), deployMigrations(db.url), deployMigrations(db.url)]);
  expect(results.flat().sort()).toEqual(migrationNames);
  const recorded = await admin(`SELECT migration_name, finished_at FROM _prisma_migrations`, db.name);
  expect(recorded.rows.map((row) => row.migration_name).sort()).toEqual(migrationNames);
  expect(recorded.rows.every((row) => row.finished_at !== null)).toBe(true);
});

it('reports pending migrations before a deploy and up to date after', async () => {
  const db = await emptyDatabase();
  await expect(migrationStatus(db.url)).resolves.toMatchObject({ applied: [], pending: migrationNames, upToDate: false });
  await deployMigrations(db.url);
  await expect(migrationStatus(db.url)).resolves.toMatchObject({ applied: migrationNames, pending: [], failed: [], upToDate: true });
});

it('reports no changes when the schema matches the migrations, and leaves no shadow database', async () => {
  const db = await emptyDatabase();
  const before = await admin(`SELECT count(*)::int AS n FROM pg_database`);
  await expect(createMigration(db.url, 'nothing')).resolves.toEqual({ created: false, reason: 'no changes' });
  expect(fs.readdirSync(migrationsDir).some((name) => name.endsWith('_nothing'))).toBe(false);
  const after = await admin(`SELECT count(*)::int AS n FROM pg_database`);
  expect(after.rows[0].n).toBe(before.rows[0].n);
});

it('writes a migration for a schema change, and deploys it', async () => {
  const db = await emptyDatabase();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migrations-spec-'));
  try {
    const paths = { schemaPath: path.join(dir, 'schema.prisma'), migrationsDir: path.join(dir, 'migrations') };
    fs.cpSync(migrationsDir, paths.migrationsDir, { recursive: true });
    const schema = fs.readFileSync(resolveMigrationPaths().schemaPath, 'utf8');
    fs.writeFileSync(paths.schemaPath, `${schema}\nmodel Probe {\n  id   String @id @db.Uuid\n  note String\n\n  @@map("probes")\n}\n`);
    const result = await createMigration(db.url, 'add_probe', paths);
    expect(result).toMatchObject({ created: true, name: expect.stringMatching(/^\d{14}_add_probe$/) });
    const sql = fs.readFileSync((result as { file: string }).file, 'utf8');
    expect(sql).toContain('CREATE TABLE "probes"');
    await expect(deployMigrations(db.url, paths)).resolves.toEqual([...migrationNames, (result as { name: string }).name]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

it('applies a failing migration atomically and reports the database error', async () => {
  const db = await emptyDatabase();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migrations-spec-'));
  try {
    const paths = { schemaPath: resolveMigrationPaths().schemaPath, migrationsDir: path.join(dir, 'migrations') };
    fs.cpSync(migrationsDir, paths.migrationsDir, { recursive: true });
    fs.mkdirSync(path.join(paths.migrationsDir, '29990101000000_broken'));
    // The ';' inside the string must not split the script; the failing statement
    // must take the CREATE TABLE before it down with it.
    fs.writeFileSync(
      path.join(paths.migrationsDir, '29990101000000_broken', 'migration.sql'),
      `CREATE TABLE half_done (note text);\nINSERT INTO half_done VALUES ('a;b');\nSELECT 1/0;\n`,
    );
    await expect(deployMigrations(db.url, paths)).rejects.toThrow(/division by zero/);
    const leftover = await admin(`SELECT to_regclass('public.half_done') AS t`, db.name);
    expect(leftover.rows[0].t).toBeNull();
    await expect(migrationStatus(db.url, paths)).resolves.toMatchObject({ failed: ['29990101000000_broken'], upToDate: false });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

it('reports the driver error when the database does not exist', async () => {
  await expect(deployMigrations(urlOf(`missing_${Date.now()}`))).rejects.toThrow(/does not exist/);
});
