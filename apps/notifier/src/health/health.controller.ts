import { Controller, Inject } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorFunction, HealthIndicatorService } from '@nestjs/terminus';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Redis } from 'ioredis';
import { NATS_CONNECTION, probeNats, probeRedis, REDIS_CLIENT } from '@avatar/messaging';
import { DrainState, HealthEndpoints, PROBE_TIMEOUT_MS } from '@avatar/observability';

/**
 * The notifier's probes (HealthEndpoints). /health reports the event stream it relays
 * (NATS); readiness also needs Redis (the sessions' audio buffers), and fails while the
 * notifier drains (it closes sockets with 1012 then, and refuses new ones).
 */
@Controller('health')
export class HealthController extends HealthEndpoints {
  constructor(
    health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    drain: DrainState,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
  ) {
    super(health, drain, 'websocket');
  }

  protected dependencies(): HealthIndicatorFunction[] {
    return [() => this.indicator.check('nats').attempt(() => probeNats(this.nc)).withTimeout(PROBE_TIMEOUT_MS)];
  }

  protected override readinessDependencies(): HealthIndicatorFunction[] {
    return [...this.dependencies(), () => this.indicator.check('redis').attempt(() => probeRedis(this.redis)).withTimeout(PROBE_TIMEOUT_MS)];
  }
}
