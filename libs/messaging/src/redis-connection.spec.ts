import { redisConnectionOptions } from './redis-connection';

describe('redisConnectionOptions', () => {
  it('reads host, port, credentials, database and TLS from the URL', () => {
    expect(redisConnectionOptions('rediss://us%40er:p%3Ass@cache.internal:6380/2', 'gateway', 'producer')).toMatchObject({
      host: 'cache.internal',
      port: 6380,
      username: 'us@er',
      password: 'p:ss',
      db: 2,
      tls: {},
      connectionName: 'gateway',
    });
    expect(redisConnectionOptions('redis://127.0.0.1', 'worker', 'consumer')).toMatchObject({ host: '127.0.0.1', port: 6379, db: undefined, tls: undefined });
  });

  it('lets a consumer wait through outages and makes a producer fail fast', () => {
    expect(redisConnectionOptions('redis://h:1', 'w', 'consumer')).toMatchObject({ maxRetriesPerRequest: null });
    expect(redisConnectionOptions('redis://h:1', 'g', 'producer')).toMatchObject({ maxRetriesPerRequest: 1, enableOfflineQueue: false });
  });
});
