import { Controller, Inject } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorFunction, HealthIndicatorService } from '@nestjs/terminus';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Redis } from 'ioredis';
import { NATS_CONNECTION, probeNats, probeRedis, REDIS_CLIENT } from '@avatar/messaging';
import { Db, PRISMA_CLIENT, probeDatabase } from '@avatar/persistence';
import { DrainState, HealthEndpoints, PROBE_TIMEOUT_MS } from '@avatar/observability';

/**
 * The gateway's /health, /health/live and /health/ready (HealthEndpoints): it depends on
 * Redis (queue, limits), NATS (commands, announcements) and the database.
 */
@Controller('health')
export class HealthController extends HealthEndpoints {
  constructor(
    health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    drain: DrainState,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(PRISMA_CLIENT) private readonly db: Db,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
  ) {
    super(health, drain, 'api');
  }

  protected dependencies(): HealthIndicatorFunction[] {
    return [
      () => this.indicator.check('redis').attempt(() => probeRedis(this.redis)).withTimeout(PROBE_TIMEOUT_MS),
      () => this.indicator.check('nats').attempt(() => probeNats(this.nc)).withTimeout(PROBE_TIMEOUT_MS),
      () => this.indicator.check('database').attempt(() => probeDatabase(this.db)).withTimeout(PROBE_TIMEOUT_MS),
    ];
  }
}
