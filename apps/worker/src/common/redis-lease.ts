import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * One holder among the workers for a periodic cross-tenant sweep (the speech
 * reconciler, the webhook sweeper): the first to SET NX the key holds it for `ttlMs`
 * and renews it on every pass; the others skip their pass. A holder that dies lets
 * the key expire, and the next worker to try takes over.
 */
export class RedisLease {
  private readonly id = randomUUID();

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly ttlMs: number,
  ) {}

  /** True when this process holds the lease (taken now or renewed). */
  async hold(): Promise<boolean> {
    const taken = await this.redis.set(this.key, this.id, 'PX', this.ttlMs, 'NX');
    if (taken === 'OK') return true;
    if ((await this.redis.get(this.key)) !== this.id) return false;
    await this.redis.pexpire(this.key, this.ttlMs);
    return true;
  }
}
