import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorFunction, HealthIndicatorService } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Redis } from 'ioredis';
import { NATS_CONNECTION, probeNats, probeRedis, REDIS_CLIENT } from '@avatar/messaging';
import { checkHealth, DrainState, HealthReport, liveness, LivenessReport, PROBE_TIMEOUT_MS, readiness, ReadinessReport } from '@avatar/observability';

/**
 * GET /health of the notifier: the WebSocket server and the event stream it relays.
 * GET /health/live: the process serves (no dependency looked at).
 * GET /health/ready: new sockets welcome: NATS (the events) and Redis (the sessions'
 * audio buffers) answer and the notifier is not draining (it closes sockets with 1012
 * then, and refuses new ones).
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly drain: DrainState,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
  ) {}

  @Get()
  async check(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReport> {
    const report = await checkHealth(this.health, 'websocket', [this.nats()]);
    void reply.status(report.status === 'healthy' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return report;
  }

  @Get('live')
  live(): LivenessReport {
    return liveness(this.drain);
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<ReadinessReport> {
    const report = await readiness(this.health, 'websocket', [this.nats(), () => this.indicator.check('redis').attempt(() => probeRedis(this.redis)).withTimeout(PROBE_TIMEOUT_MS)], this.drain);
    void reply.status(report.status === 'ready' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return report;
  }

  private nats(): HealthIndicatorFunction {
    return () => this.indicator.check('nats').attempt(() => probeNats(this.nc)).withTimeout(PROBE_TIMEOUT_MS);
  }
}
