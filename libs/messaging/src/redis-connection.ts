import type { RedisOptions } from 'bullmq';
import { Redis } from 'ioredis';

/**
 * Redis connection options from a REDIS_URL. BullMQ (through @nestjs/bullmq) opens
 * and closes its own connections from them, so queues and workers have one shutdown
 * path; `createRedisClient` makes a plain client from the same options for the few
 * commands of our own (health, leases).
 * - `consumer` (workers): commands never give up (workers block on Redis) and wait
 *   through reconnects.
 * - `producer` (the gateway): commands fail at once while Redis is unreachable, so a
 *   request answers 503 instead of hanging until Redis comes back.
 */
export function redisConnectionOptions(redisUrl: string, name: string, role: 'consumer' | 'producer'): RedisOptions {
  const url = new URL(redisUrl);
  const db = url.pathname.replace(/^\//, '');
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: db ? Number(db) : undefined,
    tls: url.protocol === 'rediss:' ? {} : undefined,
    connectionName: name,
    ...(role === 'consumer' ? { maxRetriesPerRequest: null } : { maxRetriesPerRequest: 1, enableOfflineQueue: false }),
  };
}

export function createRedisClient(redisUrl: string, name: string, role: 'consumer' | 'producer'): Redis {
  return new Redis(redisConnectionOptions(redisUrl, name, role));
}
