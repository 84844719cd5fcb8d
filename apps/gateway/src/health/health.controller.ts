import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Redis } from 'ioredis';
import { NATS_CONNECTION, probeNats, probeRedis, REDIS_CLIENT } from '@avatar/messaging';
import { Db, PRISMA_CLIENT, probeDatabase } from '@avatar/persistence';
import { checkHealth, HealthReport, PROBE_TIMEOUT_MS } from '@avatar/observability';

/** GET /health: the gateway and what it depends on; 503 when any of them is down. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(PRISMA_CLIENT) private readonly db: Db,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
  ) {}

  @Get()
  async check(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReport> {
    const report = await checkHealth(this.health, 'api', [
      () => this.indicator.check('redis').attempt(() => probeRedis(this.redis)).withTimeout(PROBE_TIMEOUT_MS),
      () => this.indicator.check('nats').attempt(() => probeNats(this.nc)).withTimeout(PROBE_TIMEOUT_MS),
      () => this.indicator.check('database').attempt(() => probeDatabase(this.db)).withTimeout(PROBE_TIMEOUT_MS),
    ]);
    void reply.status(report.status === 'healthy' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return report;
  }
}
