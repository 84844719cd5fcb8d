// The packaging and deployment files, checked the way CI can without a Docker engine or
// a cluster (docs/operations.md):
// - Dockerfile: parsed for what the image must be (multi-stage, production dependencies
//   only, non-root, tini, the entrypoint); the entrypoint itself is run for real (usage,
//   migrate status, each app to /health/ready and a clean SIGTERM drain);
// - docker-compose.yml: `docker-compose config` (Debian's v1), then services, health
//   checks, dependencies and each app's environment against its config schema;
// - deploy/: every overlay rendered with kustomize, every object validated offline
//   against the Kubernetes schemas (kubernetes-models, unknown fields included), then
//   the platform's own rules (probes, drains, security, required variables, selectors).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { builtinModules } from 'node:module';
import { spawn } from 'node:child_process';
import yaml from 'js-yaml';
import type { z } from 'zod';
import { GatewayConfigSchema, NotifierConfigSchema, WorkerConfigSchema, loadConfig } from '@avatar/config';
import * as infra from '../../scripts/infra';
import { createTestDatabase } from '../support/infra';
import { Platform, startPlatform } from '../support/platform';
import { findDockerCompose, findKustomize, run } from '../deploy/tools';
import { schemaProblems, unknownFieldProblems } from '../deploy/k8s-schema';
import { Manifests, Obj, containerEnv, parseYamlStream, quantity } from '../deploy/manifests';
import { METRICS } from '../../libs/observability/src/metrics/definitions';

// Manifests are untyped YAML: `any` below is deliberate.
const ROOT = path.resolve(__dirname, '../..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

type AppName = 'gateway' | 'worker' | 'notifier';
const APP_NAMES: AppName[] = ['gateway', 'worker', 'notifier'];

/** Each app's config schema and the variables naming its HTTP listener. */
const APPS: Record<AppName, { schema: z.ZodType; host: string; port: string }> = {
  gateway: { schema: GatewayConfigSchema, host: 'GATEWAY_HOST', port: 'GATEWAY_PORT' },
  worker: { schema: WorkerConfigSchema, host: 'WORKER_HTTP_HOST', port: 'WORKER_HTTP_PORT' },
  notifier: { schema: NotifierConfigSchema, host: 'NOTIFIER_HOST', port: 'NOTIFIER_PORT' },
};

/** Variables a schema cannot start without: no default, not optional. */
function requiredBySchema(schema: z.ZodType): string[] {
  const result = schema.safeParse({});
  return result.success ? [] : [...new Set(result.error.issues.map((issue) => String(issue.path[0])))];
}

/** Optional in the schema, but a deployment must set them (NATS has users; the admin API and sealed credentials work). */
const DEPLOYMENT_REQUIRES: Record<AppName, string[]> = {
  gateway: ['NATS_USER', 'NATS_PASSWORD', 'ADMIN_TOKEN', 'CREDENTIALS_KEY'],
  worker: ['NATS_USER', 'NATS_PASSWORD', 'CREDENTIALS_KEY'],
  notifier: ['NATS_USER', 'NATS_PASSWORD'],
};

/** The notifier closes its sockets within DRAIN_GRACE_MS (a constant of its session hub, not a variable). */
function notifierSocketDrainMs(): number {
  const match = /const DRAIN_GRACE_MS = ([\d_]+)/.exec(read('apps/notifier/src/relay/session-hub.ts'));
  if (!match) throw new Error('DRAIN_GRACE_MS not found in apps/notifier/src/relay/session-hub.ts');
  return Number(match[1].replace(/_/g, ''));
}

/** How long an app's drain may take after SIGTERM, from its parsed configuration. */
function drainMs(app: AppName, config: any): number {
  if (app === 'gateway') return config.HTTP_DRAIN_TIMEOUT_MS;
  // Speech in flight gets SPEECH_DRAIN_GRACE_MS; a webhook attempt in flight at most WEBHOOK_TIMEOUT_MS.
  if (app === 'worker') return Math.max(config.SPEECH_DRAIN_GRACE_MS, config.WEBHOOK_TIMEOUT_MS);
  return notifierSocketDrainMs();
}
/** Closing Redis, NATS and PostgreSQL and flushing the last spans, after the drain. */
const CLOSE_MARGIN_S = 10;

const PRELOAD = 'dist/libs/observability/src/tracing/preload.js';
const mainOf = (app: AppName) => `dist/apps/${app}/src/main.js`;

/** A parsed config, or the exact problems (loadConfig names each variable). */
function parseConfig(app: AppName, env: Record<string, string>): { config?: any; problem?: string } {
  try {
    return { config: loadConfig(APPS[app].schema, env) };
  } catch (error) {
    return { problem: error instanceof Error ? error.message : String(error) };
  }
}

// ---------------------------------------------------------------------------------------
describe('the image: Dockerfile, .dockerignore and docker/entrypoint.sh', () => {
  interface Stage {
    from: string;
    name?: string;
    lines: Array<{ op: string; args: string }>;
  }

  /** FROM stages with their instructions (continuation lines joined, comments dropped, ARG defaults substituted). */
  function parseDockerfile(text: string): Stage[] {
    const joined = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const args: Record<string, string> = {};
    const stages: Stage[] = [];
    for (const line of joined) {
      const [, op, rest] = /^(\S+)\s*(.*)$/.exec(line)!;
      const upper = op.toUpperCase();
      if (upper === 'ARG' && stages.length === 0) {
        const [name, value = ''] = rest.split('=');
        args[name] = value;
      } else if (upper === 'FROM') {
        const [image, , name] = rest.replace(/\$\{(\w+)\}/g, (_all, v: string) => args[v] ?? '').split(/\s+/);
        stages.push({ from: image, name, lines: [] });
      } else {
        stages.at(-1)?.lines.push({ op: upper, args: rest.replace(/\s+/g, ' ') });
      }
    }
    return stages;
  }

  const stages = parseDockerfile(read('Dockerfile'));
  const runtime = stages.at(-1)!;
  const runs = (stage: Stage) => stage.lines.filter((l) => l.op === 'RUN').map((l) => l.args);

  it('builds in one stage and runs from a slim Node 20 Debian stage with production dependencies only', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage.from).toBe('node:20-bookworm-slim');
    const build = stages.find((s) => s.name === 'build')!;
    expect(build).toBeDefined();
    expect(runs(build).some((r) => /\bnpm ci\b/.test(r))).toBe(true);
    expect(runs(build).some((r) => /\bnpm run build\b/.test(r))).toBe(true);

    // The runtime stage installs its own dependencies without devDependencies and copies none from the build.
    const installs = runs(runtime).filter((r) => /\bnpm (ci|install)\b/.test(r));
    expect(installs.length).toBe(1);
    expect(installs[0]).toMatch(/npm ci --omit=dev/);
    const copies = runtime.lines.filter((l) => l.op === 'COPY').map((l) => l.args);
    expect(copies.some((c) => /node_modules/.test(c))).toBe(false);
    // espeak-ng speaks for the local provider; tini is PID 1.
    expect(runs(runtime).some((r) => /apt-get install .*\bespeak-ng\b/.test(r) && /\btini\b/.test(r))).toBe(true);
  });

  it('copies what the apps, the migration runner and the demo read at run time, all of which the build produces', () => {
    const fromBuild = runtime.lines
      .filter((l) => l.op === 'COPY' && l.args.startsWith('--from=build'))
      .map((l) => l.args.split(' ')[1].replace(/^\/app\//, ''));
    expect(fromBuild).toEqual(expect.arrayContaining(['dist', 'prisma', 'scripts/db', 'packages/sdk/dist/browser']));
    // The build of this tree (Jest's global setup ran `npm run build`) has each of them.
    for (const source of fromBuild) expect(fs.existsSync(path.join(ROOT, source))).toBe(true);
    expect(fs.existsSync(path.join(ROOT, 'prisma/migrations'))).toBe(true);
  });

  it('runs as a numeric non-root user, with tini forwarding signals to docker/entrypoint.sh', () => {
    const user = runtime.lines.filter((l) => l.op === 'USER').at(-1)?.args;
    expect(user).toMatch(/^\d+(:\d+)?$/); // numeric: Kubernetes' runAsNonRoot can check it
    expect(Number(user!.split(':')[0])).toBeGreaterThan(0);
    const entrypoint = JSON.parse(runtime.lines.find((l) => l.op === 'ENTRYPOINT')!.args) as string[];
    expect(entrypoint[0]).toBe('/usr/bin/tini');
    expect(entrypoint.at(-1)).toBe('/app/docker/entrypoint.sh');
    expect(runtime.lines.some((l) => l.op === 'COPY' && /docker\/entrypoint\.sh/.test(l.args))).toBe(true);
    expect(runtime.lines.some((l) => l.op === 'ENV' && /NODE_ENV=production/.test(l.args))).toBe(true);
  });

  it('keeps local state, secrets and build output out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git', '.run', '.env', '.env.*']));
  });

  it('needs nothing at run time that `npm ci --omit=dev` does not install', () => {
    // Every package the built code (and the runtime scripts) require must be a production
    // package of the lockfile: a dependency, or one of theirs — never dev-only.
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { dev?: boolean }> };
    const files: string[] = ['scripts/db/migrate.js', 'scripts/admin.js', 'docker/healthcheck.js'];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
        const rel = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(rel);
        else if (rel.endsWith('.js')) files.push(rel);
      }
    };
    walk('dist');
    const devOnly = new Map<string, string>();
    for (const file of files) {
      for (const match of read(file).matchAll(/require\("([^"]+)"\)|require\('([^']+)'\)/g)) {
        const id = match[1] ?? match[2];
        if (id.startsWith('.') || id.startsWith('node:') || builtinModules.includes(id) || path.isAbsolute(id)) continue;
        const name = id.startsWith('@') ? id.split('/').slice(0, 2).join('/') : id.split('/')[0];
        const entry = lock.packages[`node_modules/${name}`];
        if (!entry || entry.dev) devOnly.set(name, file);
      }
    }
    expect(Object.fromEntries(devOnly)).toEqual({});
  });

  it('maps each command to the built app with tracing preloaded, and refuses anything else', () => {
    const script = read('docker/entrypoint.sh');
    expect(script).toContain(`PRELOAD=./${PRELOAD}`);
    expect(script).toMatch(/exec node [^\n]*--require "\$PRELOAD" "\.\/dist\/apps\/\$command\/src\/main\.js"/);
    for (const file of [PRELOAD, ...APP_NAMES.map(mainOf)]) expect(fs.existsSync(path.join(ROOT, file))).toBe(true);

    for (const args of [[], ['api']]) {
      const result = run('sh', ['docker/entrypoint.sh', ...args], { cwd: ROOT, env: { PATH: process.env.PATH } });
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/usage: entrypoint.sh gateway \| worker \| notifier \| migrate/);
    }
  });

  it('`migrate status` runs the migration runner against DATABASE_URL', async () => {
    const database = await createTestDatabase('deploy');
    try {
      const result = run('sh', ['docker/entrypoint.sh', 'migrate', 'status'], { cwd: ROOT, env: { PATH: process.env.PATH, DATABASE_URL: database.url } });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/status: up to date/);
    } finally {
      await database.drop();
    }
  });

  describe('each app started through the entrypoint', () => {
    let platform: Platform;
    beforeAll(async () => {
      platform = await startPlatform();
    }, 180_000);
    afterAll(() => platform?.stop());

    it.each(APP_NAMES)('%s: becomes ready as node with the preload (exec, no shell left), and ends on SIGTERM', async (app) => {
      const port = await infra.freePort();
      const credentials = (platform.infra.nats as Partial<infra.RunningNats>).credentials;
      const env: NodeJS.ProcessEnv = {
        ...platform.env,
        ...(credentials ? infra.natsEnvOf(credentials, app) : {}),
        [APPS[app].port]: String(port),
        OTEL_TRACES_EXPORTER: 'none',
      };
      // Its own process group: whatever it started goes with it if the test fails.
      const child = spawn('sh', ['docker/entrypoint.sh', app], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
      try {
        const deadline = Date.now() + 60_000;
        for (;;) {
          const status = await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.status, () => 0);
          if (status === 200) break;
          if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${app} did not become ready (last status ${status}):\n${output}`);
          await new Promise((r) => setTimeout(r, 100));
        }
        // `exec`: the shell's pid is now node itself, running the preload and the app's main.
        const argv = fs.readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
        expect(path.basename(argv[0])).toBe('node');
        expect(argv).toEqual(expect.arrayContaining(['--require', `./${PRELOAD}`, `./${mainOf(app)}`]));

        child.kill('SIGTERM');
        // The gateway exits 0 after its drain; Nest's shutdown hooks (worker, notifier)
        // close everything, then re-raise the signal: exit by SIGTERM is their clean end.
        expect(await exited).toEqual(app === 'gateway' ? { code: 0, signal: null } : { code: null, signal: 'SIGTERM' });
        // Node itself ended (a shell that had not exec'd would leave it running and listening).
        expect(await fetch(`http://127.0.0.1:${port}/health/live`).then((r) => r.status, () => 'refused')).toBe('refused');
      } finally {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // the group is gone
        }
      }
    }, 150_000);
  });
});

// ---------------------------------------------------------------------------------------
describe('docker-compose.yml', () => {
  let compose: { services: Record<string, any> };

  beforeAll(() => {
    const dockerCompose = findDockerCompose();
    // A clean environment: only .env.example's values, never a developer's shell or .env.
    const result = run(dockerCompose, ['-f', 'docker-compose.yml', '--env-file', '.env.example', 'config'], { cwd: ROOT, env: { PATH: process.env.PATH } });
    if (result.status !== 0) throw new Error(`docker-compose config failed:\n${result.stderr}`);
    compose = yaml.load(result.stdout) as typeof compose;
  });

  const envOf = (service: string): Record<string, string> =>
    Object.fromEntries(Object.entries(compose.services[service].environment ?? {}).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => [k, String(v)]));

  it('refuses to start without the secrets, naming the one to set', () => {
    const empty = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'compose-')), 'empty.env');
    fs.writeFileSync(empty, '');
    const result = run(findDockerCompose(), ['-f', 'docker-compose.yml', '--env-file', empty, 'config'], { cwd: ROOT, env: { PATH: process.env.PATH } });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/set (POSTGRES_PASSWORD|SESSION_TOKEN_SECRET|ADMIN_TOKEN|CREDENTIALS_KEY|NATS_\w+_PASSWORD) in \.env/);
  });

  it('runs Redis, NATS, PostgreSQL, the collector, Jaeger, the migration and the three apps from one image', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['gateway', 'jaeger', 'migrate', 'nats', 'notifier', 'otel-collector', 'postgres', 'redis', 'worker']);
    const image = compose.services.migrate.image;
    for (const name of ['migrate', ...APP_NAMES]) {
      expect(compose.services[name].image).toBe(image);
      expect(compose.services[name].build.context).toBe(ROOT);
    }
    expect(compose.services.migrate.command[0]).toBe('migrate');
    expect(compose.services.migrate.restart).toBe('no');
    for (const app of APP_NAMES) expect(compose.services[app].command).toEqual([app]);
  });

  it('starts each app after healthy infrastructure and a successful migration', () => {
    for (const infraService of ['redis', 'nats', 'postgres']) expect(compose.services[infraService].healthcheck?.test?.length).toBeGreaterThan(1);
    expect(compose.services.migrate.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    for (const app of APP_NAMES) {
      expect(compose.services[app].depends_on).toMatchObject({
        redis: { condition: 'service_healthy' },
        nats: { condition: 'service_healthy' },
        postgres: { condition: 'service_healthy' },
        migrate: { condition: 'service_completed_successfully' },
      });
    }
  });

  it.each(APP_NAMES)('%s: a valid configuration, health-checked on /health/ready, stopped after its drain', (app) => {
    const env = envOf(app);
    for (const name of [...requiredBySchema(APPS[app].schema), ...DEPLOYMENT_REQUIRES[app]]) expect([name, env[name]]).toEqual([name, expect.any(String)]);
    const { config, problem } = parseConfig(app, env);
    expect(problem).toBeUndefined();
    expect(config[APPS[app].host]).toBe('0.0.0.0');
    expect(env.NATS_USER).toBe(app);

    const service = compose.services[app];
    expect(service.healthcheck.test).toEqual(['CMD', 'node', 'docker/healthcheck.js', `http://127.0.0.1:${config[APPS[app].port]}/health/ready`]);
    const grace = /^(\d+)s$/.exec(service.stop_grace_period ?? '');
    expect(grace).not.toBeNull();
    expect(Number(grace![1])).toBeGreaterThanOrEqual(drainMs(app, config) / 1000 + CLOSE_MARGIN_S);

    // Traces go to the collector's OTLP/HTTP receiver.
    expect(env.OTEL_TRACES_EXPORTER).toBe('otlp');
    const endpoint = new URL(env.OTEL_EXPORTER_OTLP_ENDPOINT);
    expect(compose.services[endpoint.hostname]).toBeDefined();
    expect(endpoint.port).toBe(collectorHttpPort());
  });

  it('NATS and the collector run the same configuration files as the Kubernetes manifests', () => {
    const mounts = (service: string) => (compose.services[service].volumes as string[]).map((v) => v.split(':')[0]);
    expect(mounts('nats')).toContain(path.join(ROOT, 'deploy/components/dev-infra/nats/nats.conf'));
    expect(mounts('otel-collector')).toContain(path.join(ROOT, 'deploy/base/otel-collector/collector.yaml'));
    // Every password nats.conf reads from its environment is given to the NATS container.
    for (const variable of natsPasswordVariables()) expect(envOf('nats')[variable]).toEqual(expect.any(String));
    expect(envOf('otel-collector')).toEqual({ TRACES_BACKEND_ENDPOINT: 'jaeger:4317', TRACES_BACKEND_INSECURE: 'true' });
  });
});

/** The collector's OTLP/HTTP port, from the shared collector.yaml. */
function collectorHttpPort(): string {
  const config = yaml.load(read('deploy/base/otel-collector/collector.yaml')) as any;
  return config.receivers.otlp.protocols.http.endpoint.split(':').at(-1);
}

function natsPasswordVariables(): string[] {
  return [...new Set([...read('deploy/components/dev-infra/nats/nats.conf').matchAll(/password: \$(\w+)/g)].map((m) => m[1]))];
}

// ---------------------------------------------------------------------------------------
describe('NATS configuration of compose and the dev overlay', () => {
  it('is the permission matrix of the contracts lib, regenerated (deploy/components/dev-infra/nats/generate.js)', () => {
    const { natsConf } = require('../../deploy/components/dev-infra/nats/generate.js') as { natsConf(): string };
    expect(read('deploy/components/dev-infra/nats/nats.conf')).toBe(natsConf());
    expect(natsPasswordVariables().sort()).toEqual(['NATS_ADMIN_PASSWORD', 'NATS_GATEWAY_PASSWORD', 'NATS_NOTIFIER_PASSWORD', 'NATS_WORKER_PASSWORD']);
  });

  it('is a configuration nats-server accepts, with the passwords from the environment', async () => {
    const { natsServer } = await infra.ensureBinaries();
    const file = path.join(ROOT, 'deploy/components/dev-infra/nats/nats.conf');
    const passwords = Object.fromEntries(natsPasswordVariables().map((v) => [v, `test-${v.toLowerCase()}`]));
    const accepted = run(natsServer, ['-c', file, '-t'], { env: { PATH: process.env.PATH, ...passwords } });
    expect(`${accepted.stdout}${accepted.stderr}`).toMatch(/is valid/);
    expect(accepted.status).toBe(0);
    const withoutPasswords = run(natsServer, ['-c', file, '-t'], { env: { PATH: process.env.PATH } });
    expect(withoutPasswords.status).not.toBe(0);
  });
});

// ---------------------------------------------------------------------------------------
describe('Kubernetes manifests (deploy/)', () => {
  const OVERLAYS = ['dev', 'prod'] as const;
  type Overlay = (typeof OVERLAYS)[number];
  const rendered = {} as Record<Overlay, Manifests>;
  /** The Secret the operator creates in prod: sample values for the checks (the dev overlay's generated one). */
  let sampleSecret: Record<string, string>;

  beforeAll(() => {
    const kustomize = findKustomize();
    for (const overlay of OVERLAYS) rendered[overlay] = new Manifests(parseYamlStream(kustomize.build(path.join(ROOT, 'deploy/overlays', overlay))));
    const devSecret = rendered.dev.ofKind('Secret').find((s) => s.metadata.name.startsWith('avatar-secrets'));
    if (!devSecret) throw new Error('the dev overlay generates no avatar-secrets Secret');
    sampleSecret = rendered.dev.data('Secret', devSecret.metadata.name)!;
  });

  const appDeployment = (m: Manifests, app: AppName) => m.get('Deployment', `avatar-${app}`);
  const containerOf = (workload: Obj) => workload.spec.template.spec.containers[0];
  const envIn = (overlay: Overlay, container: any) => containerEnv(rendered[overlay], container, { 'avatar-secrets': sampleSecret });

  it('every object of every overlay is a known kind that passes its Kubernetes schema', () => {
    for (const overlay of OVERLAYS) {
      expect(rendered[overlay].objects.length).toBeGreaterThan(10);
      expect([overlay, schemaProblems(rendered[overlay].objects)]).toEqual([overlay, []]);
    }
  });

  it('no object has a field the Kubernetes API does not know (a typo would be dropped silently)', () => {
    expect(unknownFieldProblems(OVERLAYS.flatMap((overlay) => rendered[overlay].objects))).toEqual([]);
  });

  it('names are unique per kind and every namespaced object is in the overlay\'s namespace', () => {
    for (const overlay of OVERLAYS) {
      const namespace = rendered[overlay].ofKind('Namespace')[0]?.metadata.name;
      expect(namespace).toBe(overlay === 'dev' ? 'avatar-dev' : 'avatar');
      const keys = rendered[overlay].objects.map((o) => `${o.kind}/${o.metadata.name}`);
      expect(keys.length).toBe(new Set(keys).size);
      for (const object of rendered[overlay].objects.filter((o) => o.kind !== 'Namespace')) expect([object.kind, object.metadata.namespace]).toEqual([object.kind, namespace]);
    }
  });

  describe.each(OVERLAYS)('%s overlay', (overlay) => {
    const m = () => rendered[overlay];

    it.each(APP_NAMES)('%s: runs the app with the preload, ready and live on its port, with a valid configuration', (app) => {
      const deployment = appDeployment(m(), app);
      const container = containerOf(deployment);
      // The image's entrypoint (tini → docker/entrypoint.sh) picks the app; `command` would bypass both.
      expect(container.command).toBeUndefined();
      expect(container.args).toEqual([app]);

      const { env, problems } = envIn(overlay, container);
      expect(problems).toEqual([]);
      for (const name of [...requiredBySchema(APPS[app].schema), ...DEPLOYMENT_REQUIRES[app]]) expect([name, env[name]]).toEqual([name, expect.any(String)]);
      const { config, problem } = parseConfig(app, env);
      expect(problem).toBeUndefined();
      expect(config[APPS[app].host]).toBe('0.0.0.0');
      expect(env.NATS_USER).toBe(app);

      const port = config[APPS[app].port] as number;
      const named = (portRef: string | number) => (typeof portRef === 'number' ? portRef : container.ports.find((p: any) => p.name === portRef)?.containerPort);
      expect(container.ports.map((p: any) => p.containerPort)).toEqual([port]);
      expect(container.livenessProbe?.httpGet?.path).toBe('/health/live');
      expect(named(container.livenessProbe.httpGet.port)).toBe(port);
      expect(container.readinessProbe?.httpGet?.path).toBe('/health/ready');
      expect(named(container.readinessProbe.httpGet.port)).toBe(port);
      if (container.startupProbe) expect(named(container.startupProbe.httpGet.port)).toBe(port);

      const annotations = deployment.spec.template.metadata.annotations ?? {};
      expect(annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port), 'prometheus.io/path': '/metrics' });
    });

    it.each(APP_NAMES)('%s: terminationGracePeriodSeconds covers preStop, the drain and closing', (app) => {
      const deployment = appDeployment(m(), app);
      const container = containerOf(deployment);
      const { config } = parseConfig(app, envIn(overlay, container).env);
      const preStop = container.lifecycle?.preStop?.exec?.command as string[] | undefined;
      const preStopSeconds = preStop ? Number(/^sleep$/.test(preStop[0]) ? preStop[1] : NaN) : 0;
      expect(Number.isFinite(preStopSeconds)).toBe(true);
      expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(preStopSeconds + drainMs(app, config) / 1000 + CLOSE_MARGIN_S);
    });

    it.each(APP_NAMES)('%s: hardened: read-only root, no privilege escalation, no capabilities, requests within limits', (app) => {
      const container = containerOf(appDeployment(m(), app));
      expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      for (const resource of ['cpu', 'memory']) {
        const { requests, limits } = container.resources;
        expect(quantity(requests[resource])).toBeGreaterThan(0);
        expect(quantity(limits[resource])).toBeGreaterThanOrEqual(quantity(requests[resource]));
      }
    });

    it('every workload runs as non-root, mounts no service account token, gets no service links and has resources', () => {
      for (const workload of m().workloads()) {
        const pod = workload.spec.template.spec;
        const label = `${workload.kind}/${workload.metadata.name}`;
        expect([label, pod.securityContext?.runAsNonRoot, pod.securityContext?.runAsUser > 0]).toEqual([label, true, true]);
        const account = pod.serviceAccountName ? m().find('ServiceAccount', pod.serviceAccountName) : undefined;
        if (pod.serviceAccountName) expect([label, account?.metadata.name]).toEqual([label, pod.serviceAccountName]);
        expect([label, pod.automountServiceAccountToken ?? account?.automountServiceAccountToken]).toEqual([label, false]);
        // Service links would set e.g. NATS_PORT=tcp://… and GATEWAY_PORT-like variables the apps read.
        expect([label, pod.enableServiceLinks]).toEqual([label, false]);
        for (const container of pod.containers) {
          expect([label, container.resources?.requests?.memory, container.resources?.limits?.memory]).toEqual([label, expect.anything(), expect.anything()]);
          expect([label, container.securityContext?.allowPrivilegeEscalation]).toEqual([label, false]);
        }
      }
    });

    it('one platform image, tagged, never :latest, for the apps and the migration', () => {
      const platformImages = new Set(
        m()
          .workloads()
          .filter((w) => w.metadata.labels?.['app.kubernetes.io/name'] === 'avatar-platform' && w.metadata.name !== 'avatar-otel-collector')
          .map((w) => containerOf(w).image),
      );
      expect(platformImages.size).toBe(1);
      for (const workload of m().workloads()) {
        for (const container of workload.spec.template.spec.containers) expect(container.image).toMatch(/^[^:]+(\/[^:]+)*:(?!latest$)[\w.-]+$/);
      }
    });

    it('the migration Job runs `migrate deploy` on the database URL, once, without restarts', () => {
      const job = m().get('Job', 'avatar-migrate');
      const container = containerOf(job);
      expect(container.command).toBeUndefined();
      expect(container.args).toEqual(['migrate', 'deploy']);
      expect(job.spec.template.spec.restartPolicy).toBe('Never');
      expect(envIn(overlay, container).env.DATABASE_URL).toMatch(/^postgres(ql)?:\/\//);
      expect(containerOf(job).image).toBe(containerOf(appDeployment(m(), 'gateway')).image);
    });

    it('HPAs scale existing Deployments on CPU; those leave replicas to them and request CPU', () => {
      const hpas = m().ofKind('HorizontalPodAutoscaler');
      expect(hpas.map((h) => h.spec.scaleTargetRef.name).sort()).toEqual(['avatar-gateway', 'avatar-worker']);
      for (const hpa of hpas) {
        const target = m().get(hpa.spec.scaleTargetRef.kind, hpa.spec.scaleTargetRef.name);
        expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(1);
        expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
        expect(hpa.spec.metrics.some((metric: any) => metric.resource?.name === 'cpu')).toBe(true);
        // A replicas field would reset the autoscaler's choice on every apply.
        expect(target.spec.replicas).toBeUndefined();
        for (const container of target.spec.template.spec.containers) expect(quantity(container.resources.requests.cpu)).toBeGreaterThan(0);
      }
    });

    it('PodDisruptionBudgets, Services and NetworkPolicies select existing pods, on ports those pods expose', () => {
      const podPorts = (workloads: Obj[]) => workloads.flatMap((w) => w.spec.template.spec.containers.flatMap((c: any) => (c.ports ?? []).flatMap((p: any) => [p.name, p.containerPort])));
      const pdbs = m().ofKind('PodDisruptionBudget');
      for (const app of APP_NAMES) expect(pdbs.some((pdb) => m().selected(pdb.spec.selector.matchLabels).includes(appDeployment(m(), app)))).toBe(true);
      for (const pdb of pdbs) expect([pdb.metadata.name, m().selected(pdb.spec.selector.matchLabels).length]).toEqual([pdb.metadata.name, 1]);

      for (const service of m().ofKind('Service')) {
        const selected = m().selected(service.spec.selector);
        expect([service.metadata.name, selected.length]).toEqual([service.metadata.name, 1]);
        for (const port of service.spec.ports) expect([service.metadata.name, podPorts(selected)]).toEqual([service.metadata.name, expect.arrayContaining([port.targetPort ?? port.port])]);
      }
      expect(m().get('Service', 'avatar-gateway').spec.ports[0].port).toBe(8000);
      expect(m().get('Service', 'avatar-notifier').spec.ports[0].port).toBe(8001);

      const policies = m().ofKind('NetworkPolicy');
      for (const app of [...APP_NAMES, 'migrate']) expect(policies.some((p) => p.spec.podSelector.matchLabels?.['app.kubernetes.io/component'] === app)).toBe(true);
      for (const policy of policies) {
        const selected = m().selected(policy.spec.podSelector.matchLabels);
        expect([policy.metadata.name, selected.length]).toEqual([policy.metadata.name, 1]);
        for (const rule of policy.spec.ingress ?? []) for (const port of rule.ports ?? []) expect([policy.metadata.name, podPorts(selected)]).toEqual([policy.metadata.name, expect.arrayContaining([port.port])]);
      }
      // The worker's port is for Prometheus only: ingress from the monitoring namespace alone.
      const worker = policies.find((p) => p.metadata.name === 'avatar-worker')!;
      expect(worker.spec.ingress).toEqual([expect.objectContaining({ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] })]);
    });

    it.each(APP_NAMES)('%s: its NetworkPolicy lets it reach its Redis, NATS, database and collector, and DNS', (app) => {
      const { env } = envIn(overlay, containerOf(appDeployment(m(), app)));
      const policy = m().get('NetworkPolicy', `avatar-${app}`);
      expect(policy.spec.policyTypes).toEqual(expect.arrayContaining(['Ingress', 'Egress']));
      const allowed = (port: number, protocol = 'TCP') =>
        (policy.spec.egress ?? []).some((rule: any) => !rule.ports || rule.ports.some((p: any) => p.port === port && (p.protocol ?? 'TCP') === protocol));
      // The notifier's schema asks for DATABASE_URL but it never connects to PostgreSQL.
      const urls = ['REDIS_URL', 'NATS_URL', ...(app === 'notifier' ? [] : ['DATABASE_URL']), 'OTEL_EXPORTER_OTLP_ENDPOINT'];
      const defaults: Record<string, number> = { 'redis:': 6379, 'nats:': 4222, 'postgresql:': 5432, 'postgres:': 5432, 'http:': 80 };
      for (const variable of urls) {
        const url = new URL(env[variable]);
        const port = Number(url.port || defaults[url.protocol]);
        expect([variable, port, allowed(port)]).toEqual([variable, port, true]);
      }
      expect(allowed(53, 'UDP')).toBe(true);
    });

    it('traces go to the collector Service, which runs the shared collector.yaml', () => {
      const { env } = envIn(overlay, containerOf(appDeployment(m(), 'gateway')));
      const endpoint = new URL(env.OTEL_EXPORTER_OTLP_ENDPOINT);
      const service = m().get('Service', endpoint.hostname);
      expect(service.spec.ports.map((p: any) => String(p.port))).toContain(endpoint.port);
      expect(endpoint.port).toBe(collectorHttpPort());
      const collector = m().selected(service.spec.selector)[0];
      const configMapName = collector.spec.template.spec.volumes.find((v: any) => v.configMap)?.configMap.name;
      expect(m().data('ConfigMap', configMapName)?.['collector.yaml']).toBe(read('deploy/base/otel-collector/collector.yaml'));
      const collectorEnv = envIn(overlay, containerOf(collector)).env;
      expect(collectorEnv.TRACES_BACKEND_ENDPOINT).toMatch(/^[\w.-]+:\d+$/);
    });

    it('ConfigMaps and Secrets referenced exist; only avatar-secrets comes from the operator, each key documented', () => {
      const external = m()
        .workloads()
        .flatMap((w) => w.spec.template.spec.containers.flatMap((c: any) => envIn(overlay, c).external));
      // Volumes too.
      for (const workload of m().workloads()) {
        for (const volume of workload.spec.template.spec.volumes ?? []) {
          if (volume.configMap) expect(m().find('ConfigMap', volume.configMap.name)).toBeDefined();
          if (volume.secret) expect(m().find('Secret', volume.secret.secretName)).toBeDefined();
        }
      }
      if (overlay === 'dev') {
        expect(external).toEqual([]);
        return;
      }
      expect(new Set(external.map((e) => `${e.kind}/${e.name}`))).toEqual(new Set(['Secret/avatar-secrets']));
      const runbook = read('docs/operations.md');
      const keys = [...new Set(external.map((e) => e.key!))];
      for (const key of keys) expect([key, runbook.includes(`\`${key}\``)]).toEqual([key, true]);
      // …and every key the apps need without `optional` is in the dev overlay's Secret, so the dev overlay runs too.
      for (const e of external.filter((x) => !x.optional)) expect([e.key, sampleSecret[e.key!]]).toEqual([e.key, expect.any(String)]);
    });
  });

  it('dev: Redis, NATS and PostgreSQL run in the namespace where the Secret\'s URLs point, NATS on the generated config', () => {
    const m = rendered.dev;
    for (const variable of ['REDIS_URL', 'NATS_URL', 'DATABASE_URL']) {
      const url = new URL(sampleSecret[variable]);
      const service = m.get('Service', url.hostname);
      expect([variable, service.spec.ports.map((p: any) => String(p.port))]).toEqual([variable, expect.arrayContaining([url.port])]);
    }
    const nats = m.get('Deployment', 'nats');
    const configMap = nats.spec.template.spec.volumes.find((v: any) => v.configMap).configMap.name;
    expect(m.data('ConfigMap', configMap)?.['nats.conf']).toBe(read('deploy/components/dev-infra/nats/nats.conf'));
    const env = containerEnv(m, containerOf(nats)).env;
    for (const variable of natsPasswordVariables()) expect([variable, env[variable]]).toEqual([variable, expect.any(String)]);
    // The apps' passwords are the ones NATS was given.
    for (const app of APP_NAMES) {
      const appEnv = containerEnv(m, containerOf(appDeployment(m, app))).env;
      expect(appEnv.NATS_PASSWORD).toBe(env[`NATS_${app.toUpperCase()}_PASSWORD`]);
    }
    // PostgreSQL's password is the one in DATABASE_URL.
    const postgres = containerEnv(m, containerOf(m.get('StatefulSet', 'postgres'))).env;
    expect(decodeURIComponent(new URL(sampleSecret.DATABASE_URL).password)).toBe(postgres.POSTGRES_PASSWORD);
  });

  it('prod: no Secret and no in-cluster Redis, NATS or PostgreSQL', () => {
    expect(rendered.prod.ofKind('Secret')).toEqual([]);
    for (const name of ['redis', 'nats', 'postgres']) expect(rendered.prod.objects.filter((o) => o.metadata.name === name)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------
describe('docs/operations.md', () => {
  it('explains every metric the platform exports', () => {
    const runbook = read('docs/operations.md');
    const undocumented = Object.values(METRICS).map((metric) => metric.name).filter((name) => !runbook.includes(`\`${name}`));
    expect(undocumented).toEqual([]);
  });
});
