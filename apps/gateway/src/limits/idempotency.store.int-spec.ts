// IdempotencyStore on the real Redis of the test infrastructure: the lock, the answer,
// a concurrent request waiting for it from another connection (another gateway), and
// a lock whose gateway died.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { createRedisClient } from '@avatar/messaging';
import { testInfra } from '../../../../test/support/infra';
import { IdempotencyStore } from './idempotency.store';

jest.setTimeout(30_000);

const CONFIG = { IDEMPOTENCY_TTL_SECONDS: 3600, IDEMPOTENCY_WAIT_MS: 5000, COMMAND_TIMEOUT_MS: 5000, HTTP_REQUEST_TIMEOUT_MS: 10_000 };
let redisA: Redis;
let redisB: Redis;
let gatewayA: IdempotencyStore;
let gatewayB: IdempotencyStore;
const recordKey = () => `idempotency:test:${randomUUID()}`;

beforeAll(() => {
  redisA = createRedisClient(testInfra().redisUrl, 'idempotency-int-a', 'consumer');
  redisB = createRedisClient(testInfra().redisUrl, 'idempotency-int-b', 'consumer');
  gatewayA = new IdempotencyStore(redisA, CONFIG);
  gatewayB = new IdempotencyStore(redisB, CONFIG);
});
afterAll(async () => {
  await Promise.all([redisA?.quit(), redisB?.quit()]);
});

describe('IdempotencyStore', () => {
  it('gives the key to the first request, then its answer to the same request, for IDEMPOTENCY_TTL_SECONDS', async () => {
    const key = recordKey();
    const first = await gatewayA.begin(key, 'fp');
    expect(first).toEqual({ outcome: 'owner', owner: expect.any(String) });
    expect(await gatewayA.isTaken(key)).toBe(true);
    const lockTtl = await redisA.pttl(key);
    expect(lockTtl).toBeGreaterThan(0);
    expect(lockTtl).toBeLessThanOrEqual(gatewayA.lockTtlMs);

    await gatewayA.complete(key, (first as { owner: string }).owner, { status: 200, body: { session_id: 's1', n: [1, 2] } });

    expect(await gatewayB.begin(key, 'fp')).toEqual({ outcome: 'replay', answer: { status: 200, body: { session_id: 's1', n: [1, 2] } } });
    expect(await gatewayB.begin(key, 'other-fp')).toEqual({ outcome: 'mismatch' });
    const ttl = await redisA.ttl(key);
    expect(ttl).toBeGreaterThan(3500);
    expect(ttl).toBeLessThanOrEqual(3600);
  });

  it('makes a concurrent request on another gateway wait for the answer of the first', async () => {
    const key = recordKey();
    const first = (await gatewayA.begin(key, 'fp')) as { owner: string };
    let waited = false;
    const second = gatewayB.begin(key, 'fp').then((begun) => ((waited = true), begun));
    await new Promise((r) => setTimeout(r, 200));
    expect(waited).toBe(false);

    await gatewayA.complete(key, first.owner, { status: 200, body: { ok: 1 } });

    expect(await second).toEqual({ outcome: 'replay', answer: { status: 200, body: { ok: 1 } } });
  });

  it('answers in_progress when the first is still running after the wait, and mismatch at once for another request', async () => {
    const key = recordKey();
    await gatewayA.begin(key, 'fp');

    expect(await gatewayB.begin(key, 'fp', 300)).toEqual({ outcome: 'in_progress' });
    expect(await gatewayB.begin(key, 'other-fp', 300)).toEqual({ outcome: 'mismatch' });
  });

  it('hands the key to a waiting request when the first lets it go (an answer that is not kept)', async () => {
    const key = recordKey();
    const first = (await gatewayA.begin(key, 'fp')) as { owner: string };
    const second = gatewayB.begin(key, 'fp');
    await new Promise((r) => setTimeout(r, 200)); // it is waiting

    await gatewayA.release(key, first.owner);

    expect(await second).toEqual({ outcome: 'owner', owner: expect.any(String) });
  });

  it("frees a dead gateway's key when its lock expires, and ignores that gateway's late answer", async () => {
    const key = recordKey();
    const dead = (await gatewayA.begin(key, 'fp', 0, 300)) as { owner: string };

    // Nobody completes or releases: the lock expires on its own.
    const taken = await gatewayB.begin(key, 'fp', 10_000);
    expect(taken).toEqual({ outcome: 'owner', owner: expect.any(String) });

    await gatewayA.complete(key, dead.owner, { status: 200, body: { late: true } });
    await gatewayA.release(key, dead.owner);
    expect(await redisA.hget(key, 'owner')).toBe((taken as { owner: string }).owner);
    await gatewayB.complete(key, (taken as { owner: string }).owner, { status: 200, body: { mine: true } });
    expect(await gatewayA.begin(key, 'fp')).toEqual({ outcome: 'replay', answer: { status: 200, body: { mine: true } } });
  });
});
