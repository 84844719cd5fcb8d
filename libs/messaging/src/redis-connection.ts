import { Redis } from 'ioredis';

/**
 * A Redis client from a REDIS_URL, as BullMQ needs it.
 * - `consumer` (workers): requests never give up on a slow command (workers block on
 *   Redis) and wait through reconnects.
 * - `producer` (the gateway): commands fail at once while Redis is unreachable, so a
 *   request answers 503 instead of hanging until Redis comes back.
 */
export function createRedisClient(redisUrl: string, name: string, role: 'consumer' | 'producer'): Redis {
  return role === 'consumer'
    ? new Redis(redisUrl, { maxRetriesPerRequest: null, connectionName: name })
    : new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectionName: name });
}
