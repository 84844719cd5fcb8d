// Jest globalSetup of the e2e project: real Redis, NATS (JetStream) and PostgreSQL on
// free loopback ports under a fresh temp dir, plus a migrated template database that
// each test file clones in ~50 ms (test/support/infra.ts). Runs once, in Jest's main
// process; the URLs reach the workers through process.env (inherited) and a JSON file
// named by TEST_INFRA_FILE.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as infra from '../../scripts/infra';
import { build } from '../../scripts/build';
import { deployMigrations } from '../../libs/persistence/src/migrations';
import globalTeardown from './global-teardown';
import { TEMPLATE_DATABASE, type TestInfraFile, setRunningInfra } from './running-infra';

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  // The suites run the built apps (dist/) as real processes: build what is there now.
  await build();
  await infra.ensureBinaries({ log: (line) => console.log(line) });
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'avatar-test-'));
  fs.chmodSync(tempDir, 0o755); // as root, PostgreSQL runs as `postgres` and must enter it
  const servers: infra.RunningServer[] = [];
  setRunningInfra({ tempDir, servers });
  try {
    const timings: string[] = [];
    const timed = async <T extends infra.RunningServer>(name: string, start: () => Promise<T>): Promise<T> => {
      const t = Date.now();
      const server = await start();
      servers.push(server);
      timings.push(`${name} ${Date.now() - t} ms`);
      return server;
    };
    const [redis, nats, postgres] = await Promise.all([
      timed('redis', async () => infra.startRedis({ dataDir: path.join(tempDir, 'redis'), port: await infra.freePort() })),
      // No platform app runs on this one (each e2e platform starts its own NATS with the platform's users
      // and permissions, test/support/platform.ts): it serves the infra and transport suites, without auth.
      timed('nats', async () => infra.startNats({ dataDir: path.join(tempDir, 'nats'), port: await infra.freePort(), auth: false })),
      timed('postgres', async () => infra.startPostgres({ dataDir: path.join(tempDir, 'postgres'), port: await infra.freePort(), fast: true })),
    ]);

    const t = Date.now();
    const templateUrl = await infra.createDatabase(postgres.url, TEMPLATE_DATABASE);
    const applied = await deployMigrations(templateUrl);
    timings.push(`template ${Date.now() - t} ms (${applied.length} migrations)`);

    publish({ redisUrl: redis.url, natsUrl: nats.url, postgresUrl: postgres.url, databaseTemplate: TEMPLATE_DATABASE }, tempDir);
    console.log(`\ntest infra ready in ${Date.now() - started} ms: ${timings.join(', ')} (${tempDir})`);
  } catch (error) {
    // Jest does not run globalTeardown when globalSetup fails: clean up here.
    await globalTeardown();
    throw error;
  }
}

function publish(urls: TestInfraFile, tempDir: string): void {
  const file = path.join(tempDir, 'infra.json');
  fs.writeFileSync(file, JSON.stringify(urls, null, 2));
  process.env.TEST_INFRA_FILE = file;
  process.env.TEST_REDIS_URL = urls.redisUrl;
  process.env.TEST_NATS_URL = urls.natsUrl;
  process.env.TEST_POSTGRES_URL = urls.postgresUrl;
  process.env.TEST_DATABASE_TEMPLATE = urls.databaseTemplate;
}
