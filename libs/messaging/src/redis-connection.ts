import { Redis } from 'ioredis';

/**
 * A Redis client from a REDIS_URL, as BullMQ needs it: requests never give up on a
 * slow command (workers block on Redis), reconnects are unbounded. BullMQ queues can
 * share it; workers duplicate it for their blocking connection.
 */
export function createRedisClient(redisUrl: string, name: string): Redis {
  return new Redis(redisUrl, { maxRetriesPerRequest: null, connectionName: name, lazyConnect: false });
}
