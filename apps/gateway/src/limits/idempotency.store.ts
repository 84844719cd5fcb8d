import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { PlatformError } from '@avatar/contracts';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway-config';
import { LIMITS_REDIS } from './limits-redis.provider';

/** The first answer to a key: its status and its JSON body (a success body or the error envelope). */
export interface StoredAnswer {
  status: number;
  body: unknown;
}

export type Begun =
  /** This request holds the key: do the work, then complete() or release(). */
  | { outcome: 'owner'; owner: string }
  /** The key's first answer, for the same request. */
  | { outcome: 'replay'; answer: StoredAnswer }
  /** The key was used for a different request. */
  | { outcome: 'mismatch' }
  /** Another request with the key is still running after the wait. */
  | { outcome: 'in_progress' };

/** How often a request waiting for a concurrent one with the same key looks again. */
export const IDEMPOTENCY_POLL_MS = 50;

/**
 * Takes the key, or answers what is there: a hash {state, fingerprint, owner | status, body}.
 * KEYS[1] record; ARGV fingerprint, owner, lock ttl (ms) → {'claimed'} or {state, fingerprint, status, body}.
 */
const CLAIM_SCRIPT = `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then
  redis.call('HSET', KEYS[1], 'state', 'running', 'fingerprint', ARGV[1], 'owner', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {'claimed'}
end
local record = redis.call('HMGET', KEYS[1], 'fingerprint', 'status', 'body')
return {state, record[1] or '', record[2] or '', record[3] or ''}
`;

/** Stores the answer if this owner still holds the key. KEYS[1]; ARGV owner, status, body, ttl (s) → 1 or 0. */
const COMPLETE_SCRIPT = `
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'done', 'status', ARGV[2], 'body', ARGV[3])
redis.call('HDEL', KEYS[1], 'owner')
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
`;

/** Frees the key if this owner still holds it. KEYS[1]; ARGV owner → 1 or 0. */
const RELEASE_SCRIPT = `
if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

type IdempotencyRedis = Redis & {
  idempotencyClaim(key: string, fingerprint: string, owner: string, lockTtlMs: number): Promise<string[]>;
  idempotencyComplete(key: string, owner: string, status: number, body: string, ttlSeconds: number): Promise<number>;
  idempotencyRelease(key: string, owner: string): Promise<number>;
};

/**
 * Idempotency-Key records in Redis, shared by every gateway. The first request takes
 * the key (an "in progress" lock that expires after `lockTtlMs`, so a key whose
 * gateway died becomes usable again); the answer replaces the lock and is kept for
 * IDEMPOTENCY_TTL_SECONDS. A concurrent request with the same key waits for it.
 */
@Injectable()
export class IdempotencyStore {
  private readonly logger = new Logger(IdempotencyStore.name);
  private readonly redis: IdempotencyRedis;
  /**
   * How long a lock outlives the start of its request: the handler's longest legitimate
   * run (a worker command waits COMMAND_TIMEOUT_MS) plus a margin of a whole request
   * timeout. Past it the request's gateway is presumed dead.
   */
  readonly lockTtlMs: number;

  constructor(
    @Inject(LIMITS_REDIS) redis: Redis,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'IDEMPOTENCY_TTL_SECONDS' | 'IDEMPOTENCY_WAIT_MS' | 'COMMAND_TIMEOUT_MS' | 'HTTP_REQUEST_TIMEOUT_MS'>,
  ) {
    if (!('idempotencyClaim' in redis)) {
      redis.defineCommand('idempotencyClaim', { numberOfKeys: 1, lua: CLAIM_SCRIPT });
      redis.defineCommand('idempotencyComplete', { numberOfKeys: 1, lua: COMPLETE_SCRIPT });
      redis.defineCommand('idempotencyRelease', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
    }
    this.redis = redis as IdempotencyRedis;
    this.lockTtlMs = config.COMMAND_TIMEOUT_MS + config.HTTP_REQUEST_TIMEOUT_MS;
  }

  /**
   * Takes the key, or answers its stored answer, or waits (up to `waitMs`) for the
   * request holding it. A lock that disappears meanwhile (its request failed and let go,
   * or its gateway died) is taken by this request.
   */
  async begin(recordKey: string, fingerprint: string, waitMs = this.config.IDEMPOTENCY_WAIT_MS, lockTtlMs = this.lockTtlMs): Promise<Begun> {
    const owner = randomUUID();
    const deadline = Date.now() + waitMs;
    for (;;) {
      const reply = await this.call(() => this.redis.idempotencyClaim(recordKey, fingerprint, owner, lockTtlMs));
      if (reply[0] === 'claimed') return { outcome: 'owner', owner };
      const [state, storedFingerprint, status, body] = reply;
      if (storedFingerprint !== fingerprint) return { outcome: 'mismatch' };
      if (state === 'done') return { outcome: 'replay', answer: { status: Number(status), body: body === '' ? undefined : JSON.parse(body) } };
      if (Date.now() >= deadline) return { outcome: 'in_progress' };
      await new Promise((resolve) => setTimeout(resolve, Math.min(IDEMPOTENCY_POLL_MS, Math.max(1, deadline - Date.now()))));
    }
  }

  /** Whether a key is taken (running or answered): its request is a replay, not new work. */
  async isTaken(recordKey: string): Promise<boolean> {
    return (await this.call(() => this.redis.exists(recordKey))) === 1;
  }

  /** Keeps the answer (if this owner still holds the key). The work is done: a failure here is logged, not answered. */
  async complete(recordKey: string, owner: string, answer: StoredAnswer): Promise<void> {
    const body = answer.body === undefined ? '' : JSON.stringify(answer.body);
    try {
      const stored = await this.redis.idempotencyComplete(recordKey, owner, answer.status, body, this.config.IDEMPOTENCY_TTL_SECONDS);
      if (stored !== 1) this.logger.warn(`${recordKey}: answered after its lock expired; the answer is not kept`);
    } catch (err) {
      this.logger.warn(`${recordKey}: answer not kept (${(err as Error).message}); the key is free again once its lock expires`);
    }
  }

  /** Gives the key back (an answer that is not kept: 5xx, 429), so a retry can succeed. */
  async release(recordKey: string, owner: string): Promise<void> {
    await this.redis.idempotencyRelease(recordKey, owner).catch((err: Error) => {
      this.logger.warn(`${recordKey}: lock not released (${err.message}); it expires in ${this.lockTtlMs} ms`);
    });
  }

  private async call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (err) {
      // A key the client sent is a promise we cannot keep without Redis.
      this.logger.warn(`idempotency store unavailable: ${(err as Error).message}`);
      throw new PlatformError('SERVICE_UNAVAILABLE', 'idempotency keys are unavailable, try again');
    }
  }
}
