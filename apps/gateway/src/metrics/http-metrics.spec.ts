import Fastify from 'fastify';
import { Metrics } from '@avatar/observability';
import { HttpMetrics, RECENT_REQUESTS, UNMATCHED_ROUTE } from './http-metrics';

const answer = (status: number, ms: number, route?: string, method = 'GET') => [{ method, routeOptions: { url: route } }, { statusCode: status, elapsedTime: ms }] as const;

function setup() {
  const metrics = new Metrics('gateway', { processMetrics: false });
  return { metrics, http: new HttpMetrics(metrics) };
}

describe('HttpMetrics', () => {
  it('counts and times each answer by route template, method and status', async () => {
    const t = setup();
    t.http.record(...(answer(200, 12, '/v1/tasks/:task_id') as unknown as Parameters<HttpMetrics['record']>));
    t.http.record(...(answer(200, 30, '/v1/tasks/:task_id') as unknown as Parameters<HttpMetrics['record']>));
    t.http.record(...(answer(404, 2, '/v1/tasks/:task_id') as unknown as Parameters<HttpMetrics['record']>));

    expect(await t.metrics.values('httpRequests')).toEqual([
      { labels: { route: '/v1/tasks/:task_id', method: 'GET', status: '200' }, value: 2 },
      { labels: { route: '/v1/tasks/:task_id', method: 'GET', status: '404' }, value: 1 },
    ]);
    const sum = (await t.metrics.values('httpRequestDuration')).find((v) => v.metricName === 'avatar_http_request_duration_seconds_sum' && v.labels.status === '200');
    expect(sum?.value).toBeCloseTo(0.042, 6);
  });

  it('puts every request no route matched under one "unmatched" series, never its URL', async () => {
    const t = setup();
    t.http.record(...(answer(404, 1, undefined) as unknown as Parameters<HttpMetrics['record']>));
    expect(await t.metrics.values('httpRequests')).toEqual([{ labels: { route: UNMATCHED_ROUTE, method: 'GET', status: '404' }, value: 1 }]);
  });

  it('averages the last API answers for the JSON metrics, probes and scrapes left out', () => {
    const t = setup();
    expect(t.http.averageLatencyMs()).toBeNull();
    t.http.record(...(answer(200, 10, '/v1/avatar.speak', 'POST') as unknown as Parameters<HttpMetrics['record']>));
    t.http.record(...(answer(200, 30, '/v1/avatar.speak', 'POST') as unknown as Parameters<HttpMetrics['record']>));
    t.http.record(...(answer(200, 900, '/metrics') as unknown as Parameters<HttpMetrics['record']>));
    t.http.record(...(answer(200, 900, '/health/ready') as unknown as Parameters<HttpMetrics['record']>));
    expect(t.http.averageLatencyMs()).toBe(20);
  });

  it(`forgets answers older than the last ${RECENT_REQUESTS}`, () => {
    const t = setup();
    t.http.record(...(answer(200, 1000, '/v1/x') as unknown as Parameters<HttpMetrics['record']>));
    for (let i = 0; i < RECENT_REQUESTS; i++) t.http.record(...(answer(200, 4, '/v1/x') as unknown as Parameters<HttpMetrics['record']>));
    expect(t.http.averageLatencyMs()).toBe(4);
  });

  it("records through Fastify's onResponse hook: matched routes by template, 404s as unmatched", async () => {
    const t = setup();
    const fastify = Fastify();
    t.http.register(fastify);
    fastify.get('/v1/tasks/:task_id', async () => ({ ok: true }));
    const url = await fastify.listen({ port: 0, host: '127.0.0.1' });
    try {
      await fetch(`${url}/v1/tasks/6f1c2a52-0000-4000-8000-000000000001`);
      await fetch(`${url}/v1/nowhere/6f1c2a52`);
    } finally {
      await fastify.close();
    }

    expect((await t.metrics.values('httpRequests')).map((v) => v.labels)).toEqual([
      { route: '/v1/tasks/:task_id', method: 'GET', status: '200' },
      { route: UNMATCHED_ROUTE, method: 'GET', status: '404' },
    ]);
  });
});
