import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The `/health` answer of every app, in the reference's shape:
 * `{status, version, uptime, services: {api, redis, …}}`, plus what failed and why.
 */
export type ServiceState = 'healthy' | 'unhealthy';

export interface HealthReport {
  status: ServiceState;
  version: string;
  uptime: number;
  services: Record<string, ServiceState>;
  details: Record<string, Record<string, unknown>>;
}

export const APP_VERSION: string = process.env.npm_package_version ?? readVersion();

/** The platform's version from the root package.json, found from here in src/ or dist/. */
function readVersion(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'avatar-platform' && pkg.version) return pkg.version;
    }
  }
  return '0.0.0';
}

export function healthReport(
  self: string,
  checks: Record<string, { status: string; [key: string]: unknown }>,
): HealthReport {
  const services: Record<string, ServiceState> = { [self]: 'healthy' };
  const details: HealthReport['details'] = {};
  for (const [name, result] of Object.entries(checks)) {
    const { status, ...rest } = result;
    services[name] = status === 'up' ? 'healthy' : 'unhealthy';
    details[name] = rest;
  }
  const status = Object.values(services).every((s) => s === 'healthy') ? 'healthy' : 'unhealthy';
  return { status, version: APP_VERSION, uptime: Math.round(process.uptime()), services, details };
}
