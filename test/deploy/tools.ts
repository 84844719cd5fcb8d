// The command-line tools the deployment checks run: kustomize (standalone, or built into
// kubectl) and Debian's docker-compose (v1, validates a compose file without an engine).
// Neither may be silently skipped: a missing tool fails the suite with what to install.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const EXTRA_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export function which(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return null;
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Run {
  const result = spawnSync(command, args, { encoding: 'utf8', cwd: options.cwd, env: options.env ?? process.env, timeout: 120_000 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Kustomize 5 syntax (`labels`, `patches`, components): kubectl ≥ 1.27 or kustomize ≥ 5. */
const MIN_KUSTOMIZE_MAJOR = 5;
const NO_KUSTOMIZE = [
  `no kustomize >= v${MIN_KUSTOMIZE_MAJOR} found: install kubectl >= 1.27 (kustomize built in) or a kustomize >= ${MIN_KUSTOMIZE_MAJOR} binary on PATH,`,
  'or point KUSTOMIZE at one. (Debian 12\'s kubernetes-client is kubectl 1.20 with kustomize v2: too old for these manifests.)',
].join('\n');

export interface Kustomize {
  /** What renders, for messages: "kubectl v5.5.0". */
  describe: string;
  build(dir: string): string;
}

let kustomize: Kustomize | undefined;

/** KUSTOMIZE (a kustomize binary), else `kustomize` on PATH, else kubectl's built-in one; each must be v5 or newer. */
export function findKustomize(): Kustomize {
  if (kustomize) return kustomize;
  const candidates: Array<() => Kustomize | null> = [
    () => (process.env.KUSTOMIZE ? standalone(process.env.KUSTOMIZE) : null),
    () => {
      const binary = which('kustomize');
      return binary ? standalone(binary) : null;
    },
    () => {
      const kubectl = which('kubectl');
      if (!kubectl) return null;
      const version = run(kubectl, ['version', '--client', '-o', 'json']);
      const kustomizeVersion = version.status === 0 ? (JSON.parse(version.stdout) as { kustomizeVersion?: string }).kustomizeVersion : undefined;
      if (!kustomizeVersion || major(kustomizeVersion) < MIN_KUSTOMIZE_MAJOR) return null;
      return { describe: `kubectl (kustomize ${kustomizeVersion})`, build: (dir) => checked(kubectl, ['kustomize', dir]) };
    },
  ];
  for (const candidate of candidates) {
    const found = candidate();
    if (found) return (kustomize = found);
  }
  throw new Error(NO_KUSTOMIZE);
}

function standalone(binary: string): Kustomize | null {
  const version = run(binary, ['version']);
  const text = `${version.stdout}${version.stderr}`;
  if (version.status !== 0 || major(text) < MIN_KUSTOMIZE_MAJOR) return null;
  return { describe: `${binary} ${text.trim()}`, build: (dir) => checked(binary, ['build', dir]) };
}

function major(version: string): number {
  const match = /v(\d+)\.\d+/.exec(version);
  return match ? Number(match[1]) : 0;
}

function checked(command: string, args: string[]): string {
  const result = run(command, args);
  if (result.status !== 0) throw new Error(`${path.basename(command)} ${args.join(' ')} failed (exit ${result.status}):\n${result.stderr}`);
  return result.stdout;
}

/** Debian's docker-compose (v1): `apt-get install -y docker-compose`. */
export function findDockerCompose(): string {
  const binary = which('docker-compose');
  if (!binary) throw new Error('docker-compose is missing: apt-get install -y docker-compose (Debian\'s v1 validates a compose file without a Docker engine)');
  return binary;
}
