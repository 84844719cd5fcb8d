import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Redis } from 'ioredis';
import { PlatformError } from '@avatar/contracts';
import { LIMITS_REDIS } from './limits-redis.provider';

/** What @nestjs/throttler's guard reads back from a storage (its ThrottlerStorageRecord). */
export interface ThrottlerRecord {
  totalHits: number;
  /** Seconds until the window ends. */
  timeToExpire: number;
  isBlocked: boolean;
  /** Seconds until a blocked tracker may try again (0 when not blocked). */
  timeToBlockExpire: number;
}

/**
 * One atomic step of a fixed window: count the request if the window has room, else
 * refuse it without counting (a refused request does not push the window further).
 * The window starts with its first counted request and lasts `ttl` ms, measured by
 * Redis itself, so every gateway replica sees the same window whatever its clock.
 * KEYS[1] counter; ARGV[1] window (ms); ARGV[2] limit → {hits, pttl, blocked}.
 */
const INCREMENT_SCRIPT = `
local limit = tonumber(ARGV[2])
local hits = tonumber(redis.call('GET', KEYS[1]) or '0')
local blocked = 1
if hits < limit then
  hits = redis.call('INCR', KEYS[1])
  if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
  blocked = 0
end
local pttl = redis.call('PTTL', KEYS[1])
if pttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  pttl = tonumber(ARGV[1])
end
return {hits, pttl, blocked}
`;

type LimitsRedis = Redis & { throttlerIncrement(key: string, ttlMs: number, limit: number): Promise<[number, number, number]> };

/**
 * @nestjs/throttler's storage on the gateway's Redis, shared by every replica: the
 * count and its window live in one key per tenant and route, changed by one Lua
 * script, so concurrent requests on different gateways can never both take the last
 * slot. (The community Redis storages peer Nest ≤ 11: docs/adr rate limits.)
 * `blockDuration` is not used: a tenant over its limit waits for the window's end.
 */
@Injectable()
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger(RedisThrottlerStorage.name);
  private readonly redis: LimitsRedis;

  constructor(@Inject(LIMITS_REDIS) redis: Redis) {
    if (!('throttlerIncrement' in redis)) redis.defineCommand('throttlerIncrement', { numberOfKeys: 1, lua: INCREMENT_SCRIPT });
    this.redis = redis as LimitsRedis;
  }

  async increment(key: string, ttl: number, limit: number, _blockDuration: number, _throttlerName: string): Promise<ThrottlerRecord> {
    let reply: [number, number, number];
    try {
      reply = await this.redis.throttlerIncrement(key, Math.max(1, Math.round(ttl)), limit);
    } catch (err) {
      // Never "no limit": without its counter a limited route is unavailable.
      this.logger.warn(`rate limit counter unavailable: ${(err as Error).message}`);
      throw new PlatformError('SERVICE_UNAVAILABLE', 'the rate limiter is unavailable, try again');
    }
    const [hits, pttl, blocked] = reply;
    const secondsLeft = Math.max(1, Math.ceil(pttl / 1000));
    return { totalHits: hits, timeToExpire: secondsLeft, isBlocked: blocked === 1, timeToBlockExpire: blocked === 1 ? secondsLeft : 0 };
  }
}
