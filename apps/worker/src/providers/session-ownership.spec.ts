import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { fakeScriptRedis } from '@avatar/testing';
import type { WorkerConfig } from '../worker-config';
import { ownerKey, SessionOwnership } from './session-ownership';

const LEASE_MS = 6000;
const S1 = 'session-1';
const S2 = 'session-2';

/** Two workers sharing one Redis (its Lua scripts really run), on jest's clock. */
function setup() {
  const redis = fakeScriptRedis();
  const worker = () => new SessionOwnership(redis as unknown as Redis, { OWNER_LEASE_MS: LEASE_MS } as WorkerConfig);
  const a = worker();
  const b = worker();
  const lostByA: string[] = [];
  a.onLost((id) => lostByA.push(id));
  return { redis, a, b, lostByA, holder: (id: string) => redis.store.get(ownerKey(id))?.value };
}

beforeEach(() => {
  jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
  jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
});
afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('SessionOwnership', () => {
  it('names each worker uniquely', () => {
    const t = setup();
    expect(t.a.workerId).not.toBe(t.b.workerId);
    expect(t.a.workerId).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  describe('claim', () => {
    it('takes a free session for OWNER_LEASE_MS, and knows it owns it', async () => {
      const t = setup();

      await expect(t.a.claim(S1)).resolves.toBe(true);

      expect(t.holder(S1)).toBe(t.a.workerId);
      expect(await t.redis.pttl(ownerKey(S1))).toBe(LEASE_MS);
      expect(t.a.isMine(S1)).toBe(true);
      await expect(t.b.ownerOf(S1)).resolves.toBe(t.a.workerId);
    });

    it('takes again a session it already owns (and renews its lease)', async () => {
      const t = setup();
      await t.a.claim(S1);
      jest.advanceTimersByTime(4000);

      await expect(t.a.claim(S1)).resolves.toBe(true);

      expect(await t.redis.pttl(ownerKey(S1))).toBe(LEASE_MS);
    });

    it("is refused a session another worker owns, and leaves that worker's lease alone", async () => {
      const t = setup();
      await t.a.claim(S1);

      await expect(t.b.claim(S1)).resolves.toBe(false);

      expect(t.holder(S1)).toBe(t.a.workerId);
      expect(t.b.isMine(S1)).toBe(false);
    });

    it('takes a session from the owner it names as dead', async () => {
      const t = setup();
      await t.a.claim(S1);

      await expect(t.b.claim(S1, t.a.workerId)).resolves.toBe(true);

      expect(t.holder(S1)).toBe(t.b.workerId);
      expect(t.b.isMine(S1)).toBe(true);
    });

    it('does not take a session from a live owner when naming another as dead', async () => {
      const t = setup();
      await t.a.claim(S1);

      await expect(t.b.claim(S1, 'some-other-worker')).resolves.toBe(false);

      expect(t.holder(S1)).toBe(t.a.workerId);
    });

    it('takes a session whose owner stopped renewing once its lease ran out', async () => {
      const t = setup();
      await t.a.claim(S1);
      jest.advanceTimersByTime(LEASE_MS);

      await expect(t.b.ownerOf(S1)).resolves.toBeNull();
      await expect(t.b.claim(S1)).resolves.toBe(true);
    });
  });

  describe('renewAll', () => {
    it('keeps its leases alive past OWNER_LEASE_MS while it renews', async () => {
      const t = setup();
      await t.a.claim(S1);
      await t.a.claim(S2);

      for (let i = 0; i < 5; i++) {
        jest.advanceTimersByTime(LEASE_MS / 2);
        await t.a.renewAll();
      }

      expect(t.holder(S1)).toBe(t.a.workerId);
      expect(t.holder(S2)).toBe(t.a.workerId);
      expect(t.lostByA).toEqual([]);
      await expect(t.b.claim(S1)).resolves.toBe(false);
    });

    it('renews every lease in one pipeline', async () => {
      const t = setup();
      await t.a.claim(S1);
      await t.a.claim(S2);

      await t.a.renewAll();

      expect(t.redis.pipeline).toHaveBeenCalledTimes(1);
    });

    it('asks nothing of Redis when it owns nothing', async () => {
      const t = setup();

      await t.a.renewAll();

      expect(t.redis.pipeline).not.toHaveBeenCalled();
    });

    it('tells its listeners, once, of a session another worker took over, and forgets it', async () => {
      const t = setup();
      await t.a.claim(S1);
      await t.a.claim(S2);
      await t.b.claim(S1, t.a.workerId);

      await t.a.renewAll();
      await t.a.renewAll();

      expect(t.lostByA).toEqual([S1]);
      expect(t.a.isMine(S1)).toBe(false);
      expect(t.a.isMine(S2)).toBe(true);
      // The renewal did not take it back.
      expect(t.holder(S1)).toBe(t.b.workerId);
    });

    it('tells its listeners of a lease that expired before it renewed (a cut-off worker)', async () => {
      const t = setup();
      await t.a.claim(S1);
      jest.advanceTimersByTime(LEASE_MS + 1);

      await t.a.renewAll();

      expect(t.lostByA).toEqual([S1]);
      expect(t.a.isMine(S1)).toBe(false);
      expect(t.holder(S1)).toBeUndefined();
    });

    it('tells every listener', async () => {
      const t = setup();
      const second: string[] = [];
      t.a.onLost((id) => second.push(id));
      await t.a.claim(S1);
      await t.b.claim(S1, t.a.workerId);

      await t.a.renewAll();

      expect(t.lostByA).toEqual([S1]);
      expect(second).toEqual([S1]);
    });

    it('keeps a lease whose renewal answered an error (a Redis blip) and renews it next pass', async () => {
      const t = setup();
      await t.a.claim(S1);
      t.redis.failNextPipelineEntry();

      await t.a.renewAll();
      expect(t.lostByA).toEqual([]);
      expect(t.a.isMine(S1)).toBe(true);

      jest.advanceTimersByTime(LEASE_MS - 1);
      await t.a.renewAll();
      jest.advanceTimersByTime(LEASE_MS - 1);
      expect(t.holder(S1)).toBe(t.a.workerId);
    });

    it('survives a pipeline that fails as a whole', async () => {
      const t = setup();
      await t.a.claim(S1);
      t.redis.failNextExec();

      await expect(t.a.renewAll()).resolves.toBeUndefined();

      expect(t.a.isMine(S1)).toBe(true);
      expect(t.lostByA).toEqual([]);
    });

    it('renews on its own every third of OWNER_LEASE_MS once bootstrapped, and stops at shutdown', async () => {
      const t = setup();
      t.a.onApplicationBootstrap();
      await t.a.claim(S1);

      await jest.advanceTimersByTimeAsync(LEASE_MS * 3);
      expect(t.holder(S1)).toBe(t.a.workerId);

      await t.a.onApplicationShutdown();
      const evals = t.redis.pipeline.mock.calls.length;
      expect(evals).toBeGreaterThanOrEqual(8);
      await jest.advanceTimersByTimeAsync(LEASE_MS * 3);
      expect(t.redis.pipeline).toHaveBeenCalledTimes(evals);
    });
  });

  describe('release', () => {
    it('gives up a session it owns', async () => {
      const t = setup();
      await t.a.claim(S1);

      await t.a.release(S1);

      expect(t.holder(S1)).toBeUndefined();
      expect(t.a.isMine(S1)).toBe(false);
      await expect(t.b.claim(S1)).resolves.toBe(true);
    });

    it("never deletes the lease of the worker that took the session over", async () => {
      const t = setup();
      await t.a.claim(S1);
      await t.b.claim(S1, t.a.workerId);

      await t.a.release(S1);

      expect(t.holder(S1)).toBe(t.b.workerId);
    });

    it('asks nothing of Redis for a session it does not own', async () => {
      const t = setup();
      await t.b.claim(S1);

      await t.a.release(S1);

      expect(t.redis.eval).toHaveBeenCalledTimes(1); // b's claim only
      expect(t.holder(S1)).toBe(t.b.workerId);
    });
  });

  it('releases every lease it holds at shutdown, and only its own', async () => {
    const t = setup();
    await t.a.claim(S1);
    await t.a.claim(S2);
    await t.b.claim('session-3');

    await t.a.onApplicationShutdown();

    expect(t.holder(S1)).toBeUndefined();
    expect(t.holder(S2)).toBeUndefined();
    expect(t.holder('session-3')).toBe(t.b.workerId);
    expect(t.a.isMine(S1) || t.a.isMine(S2)).toBe(false);
  });
});
