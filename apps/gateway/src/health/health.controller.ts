import { Controller, Get, HttpStatus, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import type { NatsConnection } from '@nats-io/transport-node';
import { NATS_CONNECTION, probeNats, probeRedis } from '@avatar/messaging';
import { Db, PRISMA_CLIENT, probeDatabase } from '@avatar/persistence';
import { HealthReport, healthReport } from '@avatar/observability';
import type { Redis } from 'ioredis';
import { REDIS_CLIENT } from '../speech/speech-queue.provider';

const PROBE_TIMEOUT_MS = 2000;

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
    let result;
    try {
      result = await this.health.check([
        () => this.indicator.check('redis').attempt(() => probeRedis(this.redis)).withTimeout(PROBE_TIMEOUT_MS),
        () => this.indicator.check('nats').attempt(() => probeNats(this.nc)).withTimeout(PROBE_TIMEOUT_MS),
        () => this.indicator.check('database').attempt(() => probeDatabase(this.db)).withTimeout(PROBE_TIMEOUT_MS),
      ]);
    } catch (err) {
      if (!(err instanceof ServiceUnavailableException)) throw err;
      result = err.getResponse() as { details: Record<string, { status: string }> };
    }
    const report = healthReport('api', result.details as Record<string, { status: string }>);
    void reply.status(report.status === 'healthy' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return report;
  }
}
