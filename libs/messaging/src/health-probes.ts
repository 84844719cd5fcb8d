import type { NatsConnection } from '@nats-io/transport-node';
import type { Redis } from 'ioredis';

/** Round trip to the NATS server; throws when it is unreachable. */
export async function probeNats(nc: NatsConnection): Promise<{ rtt_ms: number }> {
  if (nc.isClosed()) throw new Error('connection closed');
  return { rtt_ms: await nc.rtt() };
}

/** PING to Redis; throws when it is unreachable. */
export async function probeRedis(redis: Redis): Promise<void> {
  if (redis.status !== 'ready') throw new Error(`connection is ${redis.status}`);
  const answer = await redis.ping();
  if (answer !== 'PONG') throw new Error(`unexpected PING answer: ${answer}`);
}
