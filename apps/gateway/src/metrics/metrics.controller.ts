import { Controller, Get, Headers, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { SystemMetricsResponse } from '@avatar/contracts';
import { Metrics, prefersJson } from '@avatar/observability';
import { HttpMetrics } from './http-metrics';
import { PlatformStats } from './platform-stats';
import { ProcessUsage } from './process-usage';

/**
 * GET /metrics: Prometheus text of this gateway process (the default), or the
 * reference's system metrics as JSON when the client asks for `application/json`.
 */
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: Metrics,
    private readonly http: HttpMetrics,
    private readonly stats: PlatformStats,
    private readonly usage: ProcessUsage,
  ) {}

  @Get()
  async read(@Headers('accept') accept: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<string | SystemMetricsResponse> {
    if (prefersJson(accept)) {
      void reply.header('content-type', 'application/json; charset=utf-8');
      return this.system();
    }
    void reply.header('content-type', this.metrics.contentType);
    return this.metrics.text();
  }

  private async system(): Promise<SystemMetricsResponse> {
    const [sessions, websocketConnections, redisMemory] = await Promise.all([this.stats.sessionTotals(), this.stats.websocketConnections(), this.stats.redisMemory()]);
    const latency = this.http.averageLatencyMs();
    return {
      active_sessions: sessions.active,
      total_sessions: sessions.total,
      cpu_usage: this.usage.cpuUsagePercent(),
      memory_usage: this.usage.memoryUsagePercent(),
      gpu_usage: null,
      websocket_connections: websocketConnections,
      redis_memory: redisMemory,
      average_latency: latency === null ? null : Math.round(latency * 10) / 10,
    };
  }
}
