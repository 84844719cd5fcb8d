import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorFunction, HealthIndicatorService } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Redis } from 'ioredis';
import { NATS_CONNECTION, probeNats, probeRedis, REDIS_CLIENT } from '@avatar/messaging';
import { Db, PRISMA_CLIENT, probeDatabase } from '@avatar/persistence';
import { checkHealth, DrainState, HealthReport, liveness, LivenessReport, PROBE_TIMEOUT_MS, readiness, ReadinessReport } from '@avatar/observability';

/**
 * The worker's probes, on its small HTTP port (WORKER_HTTP_PORT):
 * GET /health: the worker and what it depends on (Redis: the speech queue and leases;
 * NATS: commands and events; the database); 503 when any of them is down.
 * GET /health/live: the process runs (no dependency looked at).
 * GET /health/ready: dependencies up and not draining (a draining worker takes no new
 * job and hands its tasks back after SPEECH_DRAIN_GRACE_MS).
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly drain: DrainState,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(PRISMA_CLIENT) private readonly db: Db,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
  ) {}

  @Get()
  async check(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReport> {
    const report = await checkHealth(this.health, 'worker', this.dependencies());
    void reply.status(report.status === 'healthy' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return report;
  }

  @Get('live')
  live(): LivenessReport {
    return liveness(this.drain);
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<ReadinessReport> {
    const report = await readiness(this.health, 'worker', this.dependencies(), this.drain);
    void reply.status(report.status === 'ready' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return report;
  }

  private dependencies(): HealthIndicatorFunction[] {
    return [
      () => this.indicator.check('redis').attempt(() => probeRedis(this.redis)).withTimeout(PROBE_TIMEOUT_MS),
      () => this.indicator.check('nats').attempt(() => probeNats(this.nc)).withTimeout(PROBE_TIMEOUT_MS),
      () => this.indicator.check('database').attempt(() => probeDatabase(this.db)).withTimeout(PROBE_TIMEOUT_MS),
    ];
  }
}
