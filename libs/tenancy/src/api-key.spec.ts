import { apiKeyDisplayPrefix, bearerToken, generateApiKey, hashApiKey } from './api-key';

describe('api keys', () => {
  it('generates distinct keys with the ak_ prefix', () => {
    const a = generateApiKey();
    expect(a).toMatch(/^ak_[A-Za-z0-9_-]{43}$/);
    expect(generateApiKey()).not.toBe(a);
    expect(apiKeyDisplayPrefix(a)).toBe(a.slice(0, 10));
  });

  it('hashes deterministically without keeping the key', () => {
    expect(hashApiKey('ak_x')).toBe(hashApiKey('ak_x'));
    expect(hashApiKey('ak_x')).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey('ak_x')).not.toContain('ak_x');
  });

  it('reads a bearer token and nothing else', () => {
    expect(bearerToken('Bearer ak_123')).toBe('ak_123');
    expect(bearerToken('bearer ak_123 ')).toBe('ak_123');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
