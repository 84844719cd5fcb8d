import { Controller, Get, HttpStatus, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import type { NatsConnection } from '@nats-io/transport-node';
import { NATS_CONNECTION, probeNats } from '@avatar/messaging';
import { HealthReport, healthReport } from '@avatar/observability';

/** GET /health of the notifier: the WebSocket server and the event stream it relays. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
  ) {}

  @Get()
  async check(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReport> {
    let result;
    try {
      result = await this.health.check([() => this.indicator.check('nats').attempt(() => probeNats(this.nc)).withTimeout(2000)]);
    } catch (err) {
      if (!(err instanceof ServiceUnavailableException)) throw err;
      result = err.getResponse() as { details: Record<string, { status: string }> };
    }
    const report = healthReport('websocket', result.details as Record<string, { status: string }>);
    void reply.status(report.status === 'healthy' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return report;
  }
}
