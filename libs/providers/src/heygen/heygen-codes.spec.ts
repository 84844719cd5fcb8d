import { classifyHeygen } from './heygen-codes';

describe('classifyHeygen', () => {
  it.each([
    [400006, 'session_ended'],
    [10005, 'session_ended'],
    [10006, 'session_ended'],
    [10007, 'concurrency_limit'],
    [10014, 'concurrency_limit'],
    [10012, 'unknown_avatar'],
    [10013, 'unknown_avatar'],
    [10015, 'quota'],
    [400123, 'rate_limited'],
    [400112, 'auth'],
    [40102, 'auth'],
  ])('reads code %i as %s, whatever the status', (code, kind) => {
    expect(classifyHeygen(400, { code, message: 'x' })).toBe(kind);
    expect(classifyHeygen(200, { code, message: 'x' })).toBe(kind);
  });

  it('leaves success (code 100) and code-less answers to the status', () => {
    expect(classifyHeygen(200, { code: 100, data: {} })).toBeUndefined();
    expect(classifyHeygen(503, { code: 100 })).toBeUndefined();
    expect(classifyHeygen(200, { error: null, data: { voices: [] } })).toBeUndefined();
    expect(classifyHeygen(502, 'Bad Gateway')).toBeUndefined();
    expect(classifyHeygen(204, undefined)).toBeUndefined();
  });

  it('refuses an unknown code in a 2xx answer, and leaves it to the status otherwise', () => {
    expect(classifyHeygen(200, { code: 40001, message: 'Invalid parameter' })).toBe('rejected');
    expect(classifyHeygen(500, { code: 40001 })).toBeUndefined();
  });
});
