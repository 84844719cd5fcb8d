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
/** A NATS user: name and password. */
export interface NatsCredential {
  user: string;
  password: string;
}
/** The platform's NATS users by role (libs/contracts/src/messaging/permissions.ts). */
export type NatsRole = 'gateway' | 'worker' | 'notifier' | 'admin';
export type NatsCredentials = Record<NatsRole, NatsCredential>;
/** nats.js connect options (servers, user, pass). */
export interface NatsClientOptions {
  servers: string;
  user?: string;
  pass?: string;
  /** `_INBOX.<user>`: the only inboxes the user may read. */
  inboxPrefix?: string;
}
export interface RunningNats extends RunningServer {
  monitorUrl: string;
  /** The users the server knows (null: no authentication). */
  credentials: NatsCredentials | null;
  /** nats.js options to connect as `role` (no user when left out or without auth). */
  clientOptions(role?: NatsRole): NatsClientOptions;
}
/**
 * auth: true = the platform's users with generated passwords (kept in dataDir across restarts), {credentials} = these,
 * false = no authentication, left out = whatever an earlier start on this dataDir had (none the first time).
 */
export function startNats(options: { dataDir: string; port: number; monitorPort?: number; timeoutMs?: number; auth?: boolean | { credentials: NatsCredentials } }): Promise<RunningNats>;
export function generateNatsCredentials(options?: { users?: Partial<Record<NatsRole, string>> }): NatsCredentials;
export function natsClientOptions(url: string, credential?: NatsCredential): NatsClientOptions;
/** NATS_USER and NATS_PASSWORD of one role ({} without credentials). */
export function natsEnvOf(credentials: NatsCredentials | null | undefined, role: NatsRole): { NATS_USER?: string; NATS_PASSWORD?: string };
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
