import { Get, HttpStatus, Res } from '@nestjs/common';
import type { HealthCheckService, HealthIndicatorFunction } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { checkHealth } from '../health-check';
import type { HealthReport } from '../health-report';
import type { DrainState } from './drain-state';
import { liveness, LivenessReport, readiness, ReadinessReport } from './probes';

/**
 * The three health routes every app serves, once: GET /health (the reference report, 503
 * when a dependency is down), /health/live (the process serves; no dependency looked at),
 * /health/ready (dependencies up and not draining). An app's controller extends it
 * under `@Controller('health')` and says only what it depends on.
 */
export abstract class HealthEndpoints {
  protected constructor(
    private readonly health: HealthCheckService,
    private readonly drain: DrainState,
    /** The name the reference report gives this app (`api`, `worker`, `websocket`). */
    private readonly self: string,
  ) {}

  /** What GET /health reports on. */
  protected abstract dependencies(): HealthIndicatorFunction[];

  /** What readiness waits for (by default what /health reports on). */
  protected readinessDependencies(): HealthIndicatorFunction[] {
    return this.dependencies();
  }

  @Get()
  async check(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReport> {
    const report = await checkHealth(this.health, this.self, this.dependencies());
    void reply.status(report.status === 'healthy' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return report;
  }

  @Get('live')
  live(): LivenessReport {
    return liveness(this.drain);
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<ReadinessReport> {
    const report = await readiness(this.health, this.self, this.readinessDependencies(), this.drain);
    void reply.status(report.status === 'ready' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return report;
  }
}
