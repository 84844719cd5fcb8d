// Types of this CommonJS library for the TypeScript that uses it (test/).

export interface RunningServer {
  url: string;
  port: number;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

export interface Binaries {
  redisServer: string;
  natsServer: string;
  pgBinDir: string;
  initdb: string;
  pgCtl: string;
  postgres: string;
  /** espeak-ng, the local speech engine (libs/tts). */
  espeakNg: string;
  /** Debian's Chromium, for the demo's browser test (driven by playwright-core); null unless asked for (testTools) or present. */
  chromium: string | null;
  /** Debian's Python 3 with httpx, pydantic and websockets (the Python SDK's tests); null unless asked for or present. */
  python: string | null;
  /** docker-compose (v1, Debian's): `config` validates the compose file offline; null unless asked for (testTools) or present. */
  dockerCompose: string | null;
  /** kubectl (renders the Kustomize overlays offline); null unless asked for or present. */
  kubectl: string | null;
}

export function ensureBinaries(options?: { log?: (line: string) => void; testTools?: boolean }): Promise<Binaries>;
export function freePort(): Promise<number>;
export function startRedis(options: { dataDir: string; port: number; persist?: boolean; timeoutMs?: number }): Promise<RunningServer>;
export function startNats(options: { dataDir: string; port: number; monitorPort?: number; timeoutMs?: number }): Promise<RunningServer & { monitorUrl: string }>;
export function startPostgres(options: { dataDir: string; port: number; fast?: boolean; timeoutMs?: number }): Promise<RunningServer & { dataDir: string }>;
export function createDatabase(adminUrl: string, name: string, options?: { template?: string; ifNotExists?: boolean }): Promise<string>;
export function dropDatabase(adminUrl: string, name: string): Promise<void>;
export function databaseUrl(url: string, name: string): string;
export function leaveSignalsToCaller(): void;

export type TrackedChild = import('node:child_process').ChildProcess & {
  stopSignal: NodeJS.Signals;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>;
};
export function trackChild(child: import('node:child_process').ChildProcess, stopSignal?: NodeJS.Signals): TrackedChild;
export function stopChild(child: TrackedChild, options?: { signal?: NodeJS.Signals; timeoutMs?: number }): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
