// The whole platform for an e2e suite: its own Redis and NATS (so suites running in
// parallel never take each other's jobs or commands), a fresh database cloned from the
// migrated template, and the built apps (dist/) as real child processes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import * as infra from '../../scripts/infra';
import { createPrismaClient, Db } from '../../libs/persistence/src';
import { API_KEY_SCOPES } from '../../libs/contracts/src';
import { apiKeyDisplayPrefix, generateApiKey, hashApiKey } from '../../libs/tenancy/src';
import { createTestDatabase, TestDatabase } from './infra';

const ROOT = path.resolve(__dirname, '../..');
/** The OpenTelemetry preload every app is started with (libs/observability/src/tracing/preload.ts). */
export const TRACING_PRELOAD = path.join(ROOT, 'dist/libs/observability/src/tracing/preload.js');
const APP_START_TIMEOUT_MS = 60_000;
export const TEST_TOKEN_SECRET = 'e2e-secret-'.padEnd(48, 'x');
/** The admin API's bearer token in e2e platforms (startPlatform({adminToken: null}) leaves ADMIN_TOKEN unset). */
export const TEST_ADMIN_TOKEN = 'e2e-admin-token-'.padEnd(48, 'a');
/** CREDENTIALS_KEY of e2e platforms (base64 of 32 bytes): seals vendor credentials and webhook secrets. */
export const TEST_CREDENTIALS_KEY = Buffer.alloc(32, 7).toString('base64');

export interface TestTenant {
  id: string;
  apiKey: string;
}

export interface AppProcess {
  name: string;
  pid: number;
  output: () => string;
  /** Where its HTTP port answers (/health, /health/live, /health/ready, /metrics): the API, the notifier's, a worker's WORKER_HTTP_PORT. */
  httpUrl: string;
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** How it ended (null while it runs): a drained app exits 0, one killed after the stop timeout by SIGKILL. */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | null;
}

export interface Platform {
  apiUrl: string;
  wsUrl: string;
  db: Db;
  database: TestDatabase;
  tenants: { a: TestTenant; b: TestTenant };
  env: NodeJS.ProcessEnv;
  apps: AppProcess[];
  /** nats: the platform's NATS, with its users (credentials) and clientOptions(role) to connect as one of them. */
  infra: { redis: infra.RunningServer; nats: infra.RunningNats };
  startApp(name: 'gateway' | 'worker' | 'notifier', extraEnv?: NodeJS.ProcessEnv): Promise<AppProcess>;
  stop(): Promise<void>;
}

export interface PlatformOptions {
  workers?: number;
  env?: NodeJS.ProcessEnv;
  adminToken?: string | null;
  /**
   * Environment that needs what is known only once the platform is being set up (its
   * tenants, the apps' URLs), e.g. DEMO_TENANT_ID of tenant a. Applied over `env`.
   */
  envFor?: (context: { tenants: { a: TestTenant; b: TestTenant }; apiUrl: string; wsUrl: string }) => NodeJS.ProcessEnv;
}

export async function startPlatform(options: PlatformOptions = {}): Promise<Platform> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'avatar-e2e-'));
  const cleanup: Array<() => Promise<void>> = [async () => fs.rmSync(dir, { recursive: true, force: true })];
  try {
    const [redis, nats, database] = await Promise.all([
      infra.startRedis({ dataDir: path.join(dir, 'redis'), port: await infra.freePort() }),
      // With the platform's NATS users and permissions: each app logs in as its own user.
      infra.startNats({ dataDir: path.join(dir, 'nats'), port: await infra.freePort(), auth: true }),
      createTestDatabase('e2e'),
    ]);
    cleanup.unshift(() => redis.stop(), () => nats.stop(), () => database.drop());
    const db = createPrismaClient(database.url);
    cleanup.unshift(() => db.$disconnect());
    const tenants = { a: await createTenant(db, 'tenant a'), b: await createTenant(db, 'tenant b') };
    const [gatewayPort, notifierPort] = [await infra.freePort(), await infra.freePort()];
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      REDIS_URL: redis.url,
      NATS_URL: nats.url,
      DATABASE_URL: database.url,
      SESSION_TOKEN_SECRET: TEST_TOKEN_SECRET,
      GATEWAY_PORT: String(gatewayPort),
      NOTIFIER_PORT: String(notifierPort),
      // null: no ADMIN_TOKEN at all (spawn ignores undefined values), the admin API answers 503.
      ADMIN_TOKEN: options.adminToken === null ? undefined : (options.adminToken ?? TEST_ADMIN_TOKEN),
      CREDENTIALS_KEY: TEST_CREDENTIALS_KEY,
      // Suites create sessions faster than the reference limits allow (10 a minute per
      // tenant): off unless a suite turns them on (rate-limits.e2e-spec does).
      RATE_LIMITS: 'off',
      // The local provider speaks at words per minute without audio, so timings stay what
      // the speech suites compute; test/e2e/local-audio.e2e-spec.ts runs it with audio.
      LOCAL_SPEECH: 'silent',
      // No vendor is reachable from here: a suite that drives one points its URL at a fake.
      AVATURN_API_URL: 'http://127.0.0.1:9',
      LIVEAVATAR_API_URL: 'http://127.0.0.1:9',
      HEYGEN_API_URL: 'http://127.0.0.1:9',
      SPATIALWALK_CONSOLE_URL: 'http://127.0.0.1:9',
      SPATIALWALK_INGRESS_URL: 'http://127.0.0.1:9',
      ELEVENLABS_API_URL: 'http://127.0.0.1:9',
      ...options.env,
      ...options.envFor?.({ tenants, apiUrl: `http://127.0.0.1:${gatewayPort}`, wsUrl: `ws://127.0.0.1:${notifierPort}` }),
    };
    const apps: AppProcess[] = [];
    const startApp = async (name: 'gateway' | 'worker' | 'notifier', extraEnv: NodeJS.ProcessEnv = {}) => {
      // Each worker serves its probes and metrics on a port of its own.
      const workerPort = name === 'worker' && !extraEnv.WORKER_HTTP_PORT ? { WORKER_HTTP_PORT: String(await infra.freePort()) } : {};
      const app = await spawnApp(name, { ...env, ...infra.natsEnvOf(nats.credentials, name), ...workerPort, ...extraEnv });
      apps.push(app);
      return app;
    };
    cleanup.unshift(async () => {
      await Promise.all(apps.map((app) => app.stop()));
    });
    await Promise.all([startApp('gateway'), startApp('notifier'), ...Array.from({ length: options.workers ?? 1 }, () => startApp('worker'))]);
    await Promise.all([waitForHealth(`http://127.0.0.1:${gatewayPort}/health`), waitForHealth(`http://127.0.0.1:${notifierPort}/health`)]);
    return {
      apiUrl: `http://127.0.0.1:${gatewayPort}`,
      wsUrl: `ws://127.0.0.1:${notifierPort}`,
      db,
      database,
      tenants,
      env,
      apps,
      infra: { redis, nats },
      startApp,
      stop: () => runAll(cleanup),
    };
  } catch (err) {
    await runAll(cleanup);
    throw err;
  }
}

async function runAll(steps: Array<() => Promise<void>>): Promise<void> {
  for (const step of steps) await step().catch(() => undefined);
}

/** A tenant with one API key (every scope unless `scopes` says otherwise). */
export async function createTenant(db: Db, name: string, options: { scopes?: string[] } = {}): Promise<TestTenant> {
  const id = randomUUID();
  const apiKey = await createApiKey(db, id, options.scopes);
  return { id, apiKey };
}

export async function createApiKey(db: Db, tenantId: string, scopes: string[] = [...API_KEY_SCOPES]): Promise<string> {
  const apiKey = generateApiKey();
  await db.tenant.upsert({ where: { id: tenantId }, create: { id: tenantId, name: `tenant ${tenantId.slice(0, 8)}` }, update: {} });
  await db.apiKey.create({ data: { id: randomUUID(), tenantId, name: 'e2e', keyHash: hashApiKey(apiKey), keyPrefix: apiKeyDisplayPrefix(apiKey), scopes } });
  return apiKey;
}

const READY_LINE: Record<string, RegExp> = { gateway: /listening on/, worker: /processing speech tasks/, notifier: /WebSocket on/ };

async function spawnApp(name: string, env: NodeJS.ProcessEnv): Promise<AppProcess> {
  const child = infra.trackChild(
    // With the tracing preload, as every app runs (exports nothing unless the suite sets OTEL_TRACES_EXPORTER).
    spawn(process.execPath, ['--enable-source-maps', '--require', TRACING_PRELOAD, path.join(ROOT, 'dist/apps', name, 'src/main.js')], { cwd: ROOT, env: { ...env, LOG_LEVEL: 'log' }, stdio: ['ignore', 'pipe', 'pipe'] }),
    'SIGTERM',
  );
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const app: AppProcess = {
    name,
    pid: child.pid!,
    output: () => output,
    httpUrl: `http://127.0.0.1:${env[({ gateway: 'GATEWAY_PORT', worker: 'WORKER_HTTP_PORT', notifier: 'NOTIFIER_PORT' } as Record<string, string>)[name]] ?? ''}`,
    stop: async (signal) => {
      await infra.stopChild(child, { signal, timeoutMs: 10_000 });
    },
    exit: () => (child.exitCode === null && child.signalCode === null ? null : { code: child.exitCode, signal: child.signalCode }),
  };
  // Generous: on a loaded 2-core machine with several suites starting platforms at once
  // (and the tracing preload loading the OTel SDK) an app can take tens of seconds.
  const deadline = Date.now() + APP_START_TIMEOUT_MS;
  while (!READY_LINE[name].test(output)) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited during start-up:\n${output}`);
    if (Date.now() > deadline) throw new Error(`${name} did not start within ${APP_START_TIMEOUT_MS / 1000} s:\n${output}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return app;
}

async function waitForHealth(url: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const status = await fetch(url).then((r) => r.status, () => 0);
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`${url} not healthy (last status ${status})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
