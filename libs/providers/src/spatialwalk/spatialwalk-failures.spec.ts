import { serverErrorKind, tokenAnswerKind, upgradeFailureKind } from './spatialwalk-failures';

describe('SpatialWalk failure kinds', () => {
  it('maps refused upgrades like the SDKs: 400 invalid token, 401 expired token, 404 avatar or app id', () => {
    expect(upgradeFailureKind(400, '{"message":"Invalid session token"}')).toBe('auth');
    expect(upgradeFailureKind(401, '')).toBe('auth');
    expect(upgradeFailureKind(404, '{"message":"Avatar not found"}')).toBe('unknown_avatar');
    expect(upgradeFailureKind(404, 'app id not recognized')).toBe('auth');
    expect(upgradeFailureKind(429, '')).toBe('rate_limited');
    expect(upgradeFailureKind(503, '')).toBe('unavailable');
    expect(upgradeFailureKind(302, '')).toBe('rejected');
  });

  it('reads the cause from a server error message first, then from its code', () => {
    expect(serverErrorKind(0, 'Avatar not found: a-9', 'configure')).toBe('unknown_avatar');
    expect(serverErrorKind(16, 'egress: unauthorized', 'configure')).toBe('auth');
    expect(serverErrorKind(16, '', 'speech')).toBe('auth');
    expect(serverErrorKind(5, '', 'configure')).toBe('unknown_avatar');
    expect(serverErrorKind(5, '', 'speech')).toBe('rejected');
    expect(serverErrorKind(8, 'too many sessions for this app', 'configure')).toBe('concurrency_limit');
    expect(serverErrorKind(8, '', 'configure')).toBe('rate_limited');
    expect(serverErrorKind(9, 'insufficient credits', 'configure')).toBe('quota');
    expect(serverErrorKind(14, 'backend down', 'speech')).toBe('unavailable');
    expect(serverErrorKind(3, 'bad sample rate', 'configure')).toBe('rejected');
    expect(serverErrorKind(999, 'odd', 'speech')).toBe('rejected');
  });

  it('treats a non-empty errors array in a token answer as a failure, by the error status', () => {
    expect(tokenAnswerKind(200, { sessionToken: 't' })).toBeUndefined();
    expect(tokenAnswerKind(200, { sessionToken: 't', errors: [] })).toBeUndefined();
    expect(tokenAnswerKind(200, { errors: [{ status: 401, code: 'unauthorized' }] })).toBe('auth');
    expect(tokenAnswerKind(200, { errors: [{ status: '429' }] })).toBe('rate_limited');
    expect(tokenAnswerKind(200, { errors: [{ code: 'weird' }] })).toBe('rejected');
    expect(tokenAnswerKind(403, { errors: [{ code: 'forbidden' }] })).toBe('auth');
  });
});
