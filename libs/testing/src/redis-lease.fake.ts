/** A Redis with just what a RedisLease needs (SET NX PX, GET, PEXPIRE); share one between the holders of a test. */
export function fakeLeaseRedis() {
  const keys = new Map<string, string>();
  return {
    keys,
    set: jest.fn(async (key: string, value: string, _px: 'PX', _ttl: number, _nx: 'NX') => {
      if (keys.has(key)) return null;
      keys.set(key, value);
      return 'OK';
    }),
    get: jest.fn(async (key: string) => keys.get(key) ?? null),
    pexpire: jest.fn(async () => 1),
  };
}
