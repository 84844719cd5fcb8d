import { ServiceUnavailableException } from '@nestjs/common';
import type { HealthCheckService, HealthIndicatorFunction } from '@nestjs/terminus';
import { DrainState } from './drain-state';
import { liveness, readiness } from './probes';

/** Terminus as the controllers use it: all up, or a 503 naming what is down. */
function health(down: string[] = []) {
  const check = jest.fn(async (indicators: HealthIndicatorFunction[]) => {
    const names = ['redis', 'nats'].slice(0, indicators.length);
    const details = Object.fromEntries(names.map((n) => [n, { status: down.includes(n) ? 'down' : 'up' }]));
    if (down.length > 0) throw new ServiceUnavailableException({ status: 'error', details });
    return { status: 'ok', details };
  });
  return { check } as unknown as HealthCheckService & { check: jest.Mock };
}
const INDICATORS: HealthIndicatorFunction[] = [jest.fn(), jest.fn()];

describe('readiness', () => {
  it('is ready when every dependency answers and the app is not draining', async () => {
    const report = await readiness(health(), 'worker', INDICATORS, new DrainState());
    expect(report).toEqual({ status: 'ready', draining: false, uptime: expect.any(Number), services: { worker: 'healthy', redis: 'healthy', nats: 'healthy' }, details: { redis: {}, nats: {} } });
  });

  it('is not ready when a dependency is down, naming it', async () => {
    const report = await readiness(health(['redis']), 'worker', INDICATORS, new DrainState());
    expect(report).toMatchObject({ status: 'not_ready', draining: false, services: { redis: 'unhealthy', nats: 'healthy' } });
  });

  it('is not ready from the moment the drain starts, without probing anything', async () => {
    const terminus = health();
    const drain = new DrainState();
    drain.begin();

    const report = await readiness(terminus, 'worker', INDICATORS, drain);

    expect(report).toMatchObject({ status: 'not_ready', draining: true, services: { worker: 'unhealthy' }, details: { worker: { draining_since: expect.any(String) } } });
    expect(terminus.check).not.toHaveBeenCalled();
  });
});

describe('liveness', () => {
  it('stays alive while draining (a draining process finishes its work; it must not be killed)', () => {
    const drain = new DrainState();
    expect(liveness(drain)).toEqual({ status: 'alive', uptime: expect.any(Number), draining: false });
    drain.begin();
    expect(liveness(drain)).toEqual({ status: 'alive', uptime: expect.any(Number), draining: true });
  });
});

describe('DrainState', () => {
  it("starts draining at the very start of Nest's shutdown (onModuleDestroy), once", () => {
    const drain = new DrainState();
    expect(drain.draining).toBe(false);
    drain.onModuleDestroy();
    const since = drain.since;
    expect(drain.draining).toBe(true);
    drain.begin();
    expect(drain.since).toBe(since);
  });
});
