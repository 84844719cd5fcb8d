import { Controller, Inject } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorFunction, HealthIndicatorService } from '@nestjs/terminus';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Redis } from 'ioredis';
import { NATS_CONNECTION, probeNats, probeRedis, REDIS_CLIENT } from '@avatar/messaging';
import { Db, PRISMA_CLIENT, probeDatabase } from '@avatar/persistence';
import { DrainState, HealthEndpoints, PROBE_TIMEOUT_MS } from '@avatar/observability';

/**
 * The worker's probes, on its small HTTP port (WORKER_HTTP_PORT; HealthEndpoints): it
 * depends on Redis (the speech queue and leases), NATS (commands and events) and the
 * database. A draining worker takes no new job and hands its tasks back after
 * SPEECH_DRAIN_GRACE_MS: not ready meanwhile.
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
    super(health, drain, 'worker');
  }

  protected dependencies(): HealthIndicatorFunction[] {
    return [
      () => this.indicator.check('redis').attempt(() => probeRedis(this.redis)).withTimeout(PROBE_TIMEOUT_MS),
      () => this.indicator.check('nats').attempt(() => probeNats(this.nc)).withTimeout(PROBE_TIMEOUT_MS),
      () => this.indicator.check('database').attempt(() => probeDatabase(this.db)).withTimeout(PROBE_TIMEOUT_MS),
    ];
  }
}
