import type { HealthCheckService, HealthIndicatorFunction } from '@nestjs/terminus';
import { checkHealth } from '../health-check';
import { HealthReport, ServiceState } from '../health-report';
import type { DrainState } from './drain-state';

/** `GET /health/live`: the process serves requests. Never looks at dependencies: a dead Redis must not get a pod restarted. */
export interface LivenessReport {
  status: 'alive';
  uptime: number;
  /** A draining process is still alive: it is finishing its work. */
  draining: boolean;
}

export function liveness(drain: DrainState): LivenessReport {
  return { status: 'alive', uptime: Math.round(process.uptime()), draining: drain.draining };
}

/** `GET /health/ready`: whether to send this process traffic; `ready` false answers 503. */
export interface ReadinessReport {
  status: 'ready' | 'not_ready';
  draining: boolean;
  uptime: number;
  /** Each dependency probed (none while draining: the answer is no whatever they say). */
  services: Record<string, ServiceState>;
  details: HealthReport['details'];
}

/**
 * Ready = not draining and every dependency answers its probe. While draining the
 * dependencies are not probed: the answer is 503 at once.
 */
export async function readiness(health: HealthCheckService, self: string, indicators: HealthIndicatorFunction[], drain: DrainState): Promise<ReadinessReport> {
  const uptime = Math.round(process.uptime());
  if (drain.draining) return { status: 'not_ready', draining: true, uptime, services: { [self]: 'unhealthy' }, details: { [self]: { draining_since: new Date(drain.since!).toISOString() } } };
  const report = await checkHealth(health, self, indicators);
  return { status: report.status === 'healthy' ? 'ready' : 'not_ready', draining: false, uptime, services: report.services, details: report.details };
}
