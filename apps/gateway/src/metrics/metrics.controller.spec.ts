import type { FastifyReply } from 'fastify';
import { SystemMetricsResponse } from '@avatar/contracts';
import { Metrics } from '@avatar/observability';
import { HttpMetrics } from './http-metrics';
import { MetricsController } from './metrics.controller';
import type { PlatformStats } from './platform-stats';
import { ProcessUsage } from './process-usage';

function setup(stats: Partial<Record<keyof PlatformStats, unknown>> = {}) {
  const metrics = new Metrics('gateway', { processMetrics: false });
  const http = new HttpMetrics(metrics);
  const platform = {
    sessionTotals: async () => ({ active: 2, total: 9 }),
    websocketConnections: async () => 3,
    redisMemory: async () => '12MB',
    ...stats,
  } as unknown as PlatformStats;
  const controller = new MetricsController(metrics, http, platform, new ProcessUsage());
  const headers: Record<string, string> = {};
  const reply = { header: (name: string, value: string) => ((headers[name] = value), reply) } as unknown as FastifyReply;
  return { controller, http, headers, reply };
}

describe('GET /metrics on the gateway', () => {
  it('answers Prometheus text by default', async () => {
    const t = setup();
    const body = await t.controller.read(undefined, t.reply);
    expect(t.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(typeof body).toBe('string');
  });

  it("answers the reference's JSON when asked for application/json, each figure from its source", async () => {
    const t = setup();
    t.http.record({ method: 'POST', routeOptions: { url: '/v1/avatar.speak' } } as never, { statusCode: 200, elapsedTime: 125 } as never);

    const body = await t.controller.read('application/json', t.reply);

    expect(t.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(SystemMetricsResponse.strict().parse(body)).toEqual({
      active_sessions: 2,
      total_sessions: 9,
      cpu_usage: expect.any(Number),
      memory_usage: expect.any(Number),
      gpu_usage: null,
      websocket_connections: 3,
      redis_memory: '12MB',
      average_latency: 125,
    });
  });

  it('answers null for what could not be measured, not a guess', async () => {
    const t = setup({ sessionTotals: async () => ({ active: null, total: null }), websocketConnections: async () => null, redisMemory: async () => null });
    const body = (await t.controller.read('application/json', t.reply)) as SystemMetricsResponse;
    expect(body).toMatchObject({ active_sessions: null, total_sessions: null, websocket_connections: null, redis_memory: null, average_latency: null });
  });
});
