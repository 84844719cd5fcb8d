import { METRIC_PREFIX, METRICS } from './definitions';
import { cachedReading, Metrics } from './metrics';
import { prefersJson } from './accept';

describe('the metric definitions', () => {
  it('name every metric under avatar_, with help, and never a tenant, session or task id as a label', () => {
    for (const def of Object.values(METRICS)) {
      expect(def.name.startsWith(METRIC_PREFIX)).toBe(true);
      expect(def.help.length).toBeGreaterThan(20);
      for (const label of def.labelNames as readonly string[]) expect(label).not.toMatch(/tenant|session|task|url|id$/);
    }
    expect(new Set(Object.values(METRICS).map((d) => d.name)).size).toBe(Object.keys(METRICS).length);
  });
});

describe('Metrics', () => {
  it("exports Node's process metrics under avatar_, every series labelled with the app", async () => {
    const text = await new Metrics('worker').text();
    expect(text).toMatch(/^avatar_process_cpu_user_seconds_total\{app="worker"\} /m);
    expect(text).toMatch(/^avatar_nodejs_eventloop_lag_seconds\{app="worker"\} /m);
    expect(text).not.toMatch(/^process_/m);
  });

  it('exports a platform metric only once the app records it (each app shows its own)', async () => {
    const metrics = new Metrics('gateway', { processMetrics: false });
    expect(await metrics.text()).not.toContain('avatar_http_requests_total');

    metrics.counter('httpRequests').inc({ route: '/v1/avatar.speak', method: 'POST', status: '200' });
    metrics.counter('httpRequests').inc({ route: '/v1/avatar.speak', method: 'POST', status: '200' });

    expect(await metrics.text()).toContain('avatar_http_requests_total{route="/v1/avatar.speak",method="POST",status="200",app="gateway"} 2');
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('reads an observed gauge at scrape time, and refuses a second reader of the same gauge', async () => {
    const metrics = new Metrics('notifier', { processMetrics: false });
    let sockets = 3;
    metrics.observe('websocketConnections', (gauge) => gauge.set(sockets));
    expect(await metrics.text()).toContain('avatar_websocket_connections{app="notifier"} 3');
    sockets = 0;
    expect(await metrics.values('websocketConnections')).toEqual([expect.objectContaining({ value: 0 })]);
    expect(() => metrics.observe('websocketConnections', () => undefined)).toThrow(/already has a reader/);
  });

  it('keeps one registry per instance: two apps in one test never share a series', async () => {
    const a = new Metrics('a', { processMetrics: false });
    const b = new Metrics('b', { processMetrics: false });
    a.counter('reaperActions').inc({ action: 'end_session', reason: 'idle_timeout' });
    expect(await b.values('reaperActions')).toEqual([]);
  });
});

describe('cachedReading', () => {
  it('reuses a reading for ttlMs, and shares one read between concurrent callers', async () => {
    let now = 0;
    const read = jest.fn(async () => now);
    const reading = cachedReading(read, { ttlMs: 1000, timeoutMs: 1000, now: () => now });

    expect(await Promise.all([reading(), reading()])).toEqual([0, 0]);
    now = 999;
    expect(await reading()).toBe(0);
    now = 1000;
    expect(await reading()).toBe(1000);
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('gives up on a read that hangs, and does not cache a failure', async () => {
    const read = jest.fn<Promise<number>, []>().mockReturnValueOnce(new Promise(() => undefined)).mockResolvedValueOnce(7);
    const reading = cachedReading(read, { ttlMs: 60_000, timeoutMs: 20 });

    await expect(reading()).rejects.toThrow(/no answer within 20 ms/);
    await expect(reading()).resolves.toBe(7);
  });
});

describe('prefersJson', () => {
  it.each([
    ['application/json', true],
    ['application/json, text/plain;q=0.5', true],
    ['text/plain;q=0.5, application/json;q=0.9', true],
    [undefined, false],
    ['*/*', false],
    ['text/plain', false],
    ['application/json;q=0.5, text/plain', false],
    ['application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1', false],
  ])('%s → %s', (accept, json) => {
    expect(prefersJson(accept)).toBe(json);
  });
});
