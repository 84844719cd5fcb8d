// Helpers for e2e test files: the URLs of the infrastructure test/setup/global-setup.ts
// started, and a fresh migrated database per test file (cloned from the template).
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createDatabase, dropDatabase } from '../../scripts/infra';

export interface TestInfra {
  redisUrl: string;
  natsUrl: string;
  /** Admin URL (superuser `app`, database `postgres`). */
  postgresUrl: string;
  databaseTemplate: string;
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

let cached: TestInfra | undefined;

/** Read from the environment global-setup exported, else from its JSON file. */
export function testInfra(): TestInfra {
  if (cached) return cached;
  const env = process.env;
  if (env.TEST_REDIS_URL && env.TEST_NATS_URL && env.TEST_POSTGRES_URL && env.TEST_DATABASE_TEMPLATE) {
    cached = { redisUrl: env.TEST_REDIS_URL, natsUrl: env.TEST_NATS_URL, postgresUrl: env.TEST_POSTGRES_URL, databaseTemplate: env.TEST_DATABASE_TEMPLATE };
  } else if (env.TEST_INFRA_FILE && fs.existsSync(env.TEST_INFRA_FILE)) {
    cached = JSON.parse(fs.readFileSync(env.TEST_INFRA_FILE, 'utf8')) as TestInfra;
  } else {
    throw new Error('no test infrastructure: run e2e suites through Jest\'s e2e project (npx jest --selectProjects e2e), whose globalSetup starts it');
  }
  return cached;
}

let counter = 0;

/**
 * A name unique across Jest workers and runs, usable as a PostgreSQL identifier,
 * queue or subject prefix: lowercase [a-z0-9_], at most 63 characters.
 */
export function uniqueName(prefix = 'test'): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9_]+/g, '_').slice(0, 40);
  counter += 1;
  return `${clean}_${process.pid}_${counter}_${randomBytes(3).toString('hex')}`;
}

/** A new database cloned from the migrated template; drop() removes it. */
export async function createTestDatabase(prefix = 'test'): Promise<TestDatabase> {
  const { postgresUrl, databaseTemplate } = testInfra();
  const name = uniqueName(prefix);
  const url = await createDatabase(postgresUrl, name, { template: databaseTemplate });
  return { name, url, drop: () => dropDatabase(postgresUrl, name) };
}
