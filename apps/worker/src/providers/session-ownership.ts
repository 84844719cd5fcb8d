import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { REDIS_CLIENT } from '@avatar/messaging';
import { WORKER_CONFIG, WorkerConfig } from '../worker-config';

/** Redis key of a stateful session's owner lease: the id of the worker holding its vendor connection. */
export const ownerKey = (sessionId: string) => `session:${sessionId}:owner`;

// Renew or release only a lease that is still ours: another worker may have taken it over.
const RENEW_IF_MINE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE_IF_MINE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
// Take a lease whose holder is gone (or was the one named): the takeover of a dead owner's session.
const TAKE_FROM = `local v = redis.call('GET', KEYS[1]) if v == false or v == ARGV[3] or v == ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 else return 0 end`;

/**
 * Which worker owns each stateful vendor session (docs/adr/0012): a Redis lease per
 * session holding the owner's id, renewed while the owner lives. A dead owner's
 * leases expire within OWNER_LEASE_MS and the next worker that needs the session takes
 * it over. A renewal that finds the lease gone or taken tells `onLost` listeners, so a
 * worker that was cut off does not keep a second connection to the same session.
 */
@Injectable()
export class SessionOwnership implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SessionOwnership.name);
  /** This process, as owners are named: unique per process start. */
  readonly workerId = `${hostname().replace(/[^A-Za-z0-9_-]/g, '_')}-${process.pid}-${randomBytes(4).toString('hex')}`;
  private readonly owned = new Set<string>();
  private readonly lostListeners: Array<(sessionId: string) => void> = [];
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.renewAll(), Math.max(100, Math.floor(this.config.OWNER_LEASE_MS / 3)));
    this.timer.unref();
  }

  /** The owner's worker id, or null when no live worker holds the session. */
  ownerOf(sessionId: string): Promise<string | null> {
    return this.redis.get(ownerKey(sessionId));
  }

  /** Takes the session if nobody (or `deadOwner`, known gone) holds it; true when this worker owns it now. */
  async claim(sessionId: string, deadOwner?: string): Promise<boolean> {
    const taken = await this.redis.eval(TAKE_FROM, 1, ownerKey(sessionId), this.workerId, this.config.OWNER_LEASE_MS, deadOwner ?? '');
    if (taken === 1) this.owned.add(sessionId);
    return taken === 1;
  }

  isMine(sessionId: string): boolean {
    return this.owned.has(sessionId);
  }

  async release(sessionId: string): Promise<void> {
    if (!this.owned.delete(sessionId)) return;
    await this.redis.eval(RELEASE_IF_MINE, 1, ownerKey(sessionId), this.workerId);
  }

  onLost(listener: (sessionId: string) => void): void {
    this.lostListeners.push(listener);
  }

  /** One renewal pass (the timer's; public for tests). */
  async renewAll(): Promise<void> {
    if (this.owned.size === 0) return;
    const ids = [...this.owned];
    try {
      const pipeline = this.redis.pipeline();
      for (const id of ids) pipeline.eval(RENEW_IF_MINE, 1, ownerKey(id), this.workerId, this.config.OWNER_LEASE_MS);
      const results = (await pipeline.exec()) ?? [];
      ids.forEach((id, i) => {
        const [err, renewed] = results[i] ?? [];
        if (!err && renewed === 1) return;
        if (err) return; // a Redis blip: try again next pass, the lease outlives a few
        this.owned.delete(id);
        this.logger.warn(`session ${id}: owner lease lost (taken over or expired); closing its connection here`);
        for (const listener of this.lostListeners) listener(id);
      });
    } catch (err) {
      this.logger.warn(`owner leases not renewed: ${(err as Error).message}`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    // Leases of sessions this worker still holds go: the next task's worker takes over at once.
    await Promise.allSettled([...this.owned].map((id) => this.release(id)));
  }
}
