import { signSessionToken, verifySessionToken } from './session-token';

const secret = 's'.repeat(32);
const ids = { tenantId: 'tenant-1', sessionId: 'session-1' };

describe('session token', () => {
  it('verifies a token it signed and returns the tenant and session', () => {
    const token = signSessionToken({ ...ids, ttlSeconds: 60 }, secret);
    const check = verifySessionToken(token, secret, 'session-1');
    expect(check).toEqual({ ok: true, claims: expect.objectContaining({ tid: 'tenant-1', sid: 'session-1' }) });
  });

  it('refuses a token signed with another secret', () => {
    const token = signSessionToken({ ...ids, ttlSeconds: 60 }, 'o'.repeat(32));
    expect(verifySessionToken(token, secret, 'session-1')).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses an expired token', () => {
    const token = signSessionToken({ ...ids, ttlSeconds: 60 }, secret, Date.now() - 61_000);
    expect(verifySessionToken(token, secret, 'session-1')).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses a token of another session', () => {
    const token = signSessionToken({ ...ids, ttlSeconds: 60 }, secret);
    expect(verifySessionToken(token, secret, 'session-2')).toEqual({ ok: false, reason: 'wrong_session' });
  });

  it('refuses tampered claims and garbage', () => {
    const [h, , s] = signSessionToken({ ...ids, ttlSeconds: 60 }, secret).split('.');
    const forged = Buffer.from(JSON.stringify({ tid: 'tenant-2', sid: 'session-1', iat: 0, exp: 9e9 })).toString('base64url');
    expect(verifySessionToken(`${h}.${forged}.${s}`, secret, 'session-1')).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifySessionToken('not-a-token', secret, 'session-1')).toEqual({ ok: false, reason: 'malformed' });
  });
  it('carries the WebSocket message rate when the signer gives one, and none otherwise', () => {
    const withRate = verifySessionToken(signSessionToken({ ...ids, ttlSeconds: 60, wsMessagesPerSecond: 5 }, secret), secret, 'session-1');
    expect(withRate).toEqual({ ok: true, claims: expect.objectContaining({ wsr: 5 }) });
    const without = verifySessionToken(signSessionToken({ ...ids, ttlSeconds: 60 }, secret), secret, 'session-1');
    expect(without.ok && 'wsr' in without.claims).toBe(false);
  });

  it('refuses a signed token whose rate claim is out of bounds', () => {
    for (const wsr of [0, 1.5, 10_001, '5']) {
      const token = signSessionToken({ ...ids, ttlSeconds: 60, wsMessagesPerSecond: wsr as number }, secret);
      expect(verifySessionToken(token, secret, 'session-1')).toEqual({ ok: false, reason: 'malformed' });
    }
  });
});
