// RedisThrottlerStorage on the real Redis of the test infrastructure (test/setup):
// the fixed window, and exactness under concurrency from two separate connections
// (two gateways).
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { createRedisClient } from '@avatar/messaging';
import { testInfra } from '../../../../test/support/infra';
import { RedisThrottlerStorage } from './redis-throttler.storage';

jest.setTimeout(30_000);

let redisA: Redis;
let redisB: Redis;
let gatewayA: RedisThrottlerStorage;
let gatewayB: RedisThrottlerStorage;
const key = () => `ratelimit:test:${randomUUID()}`;

beforeAll(() => {
  redisA = createRedisClient(testInfra().redisUrl, 'limits-int-a', 'consumer');
  redisB = createRedisClient(testInfra().redisUrl, 'limits-int-b', 'consumer');
  gatewayA = new RedisThrottlerStorage(redisA);
  gatewayB = new RedisThrottlerStorage(redisB);
});
afterAll(async () => {
  await Promise.all([redisA?.quit(), redisB?.quit()]);
});

describe('RedisThrottlerStorage', () => {
  it('counts up to the limit, then refuses without counting until the window ends', async () => {
    const counter = key();
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await gatewayA.increment(counter, 60_000, 3, 0, 'default'));

    expect(results.map((r) => [r.totalHits, r.isBlocked])).toEqual([[1, false], [2, false], [3, false], [3, true], [3, true]]);
    expect(results.every((r) => r.timeToExpire > 0 && r.timeToExpire <= 60)).toBe(true);
    expect(results[3].timeToBlockExpire).toBe(results[3].timeToExpire);
    expect(results[0].timeToBlockExpire).toBe(0);
    expect(await redisA.get(counter)).toBe('3');
    const ttl = await redisA.pttl(counter);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('opens a new window once the current one has passed', async () => {
    const counter = key();
    await gatewayA.increment(counter, 200, 1, 0, 'default');
    expect((await gatewayA.increment(counter, 200, 1, 0, 'default')).isBlocked).toBe(true);

    // Wait until Redis has let the window go (no timing asserted, only the order of things).
    while ((await redisA.exists(counter)) === 1) await new Promise((r) => setTimeout(r, 50));

    expect(await gatewayA.increment(counter, 200, 1, 0, 'default')).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('applies a changed limit to the running window', async () => {
    const counter = key();
    for (let i = 0; i < 3; i++) await gatewayA.increment(counter, 60_000, 5, 0, 'default');

    expect((await gatewayA.increment(counter, 60_000, 2, 0, 'default')).isBlocked).toBe(true);
    expect((await gatewayA.increment(counter, 60_000, 10, 0, 'default')).isBlocked).toBe(false);
  });

  it('lets exactly `limit` requests through a concurrent burst from two connections', async () => {
    const counter = key();
    const burst = Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? gatewayA : gatewayB).increment(counter, 60_000, 10, 0, 'default'));

    const results = await Promise.all(burst);

    expect(results.filter((r) => !r.isBlocked)).toHaveLength(10);
    expect(results.filter((r) => !r.isBlocked).map((r) => r.totalHits).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(await redisA.get(counter)).toBe('10');
  });

  it('answers SERVICE_UNAVAILABLE (never "no limit") when Redis cannot be reached', async () => {
    const down = createRedisClient('redis://127.0.0.1:1', 'limits-int-down', 'producer');
    down.on('error', () => undefined);
    try {
      await expect(new RedisThrottlerStorage(down).increment(key(), 60_000, 3, 0, 'default')).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    } finally {
      down.disconnect();
    }
  });
});
