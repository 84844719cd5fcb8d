import { generateWebhookSecret, signWebhook, verifyWebhookSignature } from './webhook-signature';

describe('webhook signatures', () => {
  // Computed independently: printf '%s' '1731974400.{"id":"d1","type":"session.started"}' | openssl dgst -sha256 -hmac '<secret>'
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const timestamp = 1731974400;
  const body = '{"id":"d1","type":"session.started"}';
  const expected = 'v1=a5ba5d12412e1b9c12d191434a4161286951c1bc2a4e2d1c9d53ede3ed7e59c5';

  it('signs "<timestamp>.<body>" with HMAC-SHA256 of the whole secret (known vector)', () => {
    expect(signWebhook(secret, timestamp, body)).toBe(expected);
    expect(signWebhook(secret, timestamp, Buffer.from(body))).toBe(expected);
  });

  it('verifies its own signature within the tolerance', () => {
    expect(verifyWebhookSignature(secret, expected, String(timestamp), body, { now: timestamp + 299 })).toBe(true);
    expect(verifyWebhookSignature(secret, `v1=${'0'.repeat(64)} ${expected}`, String(timestamp), body, { now: timestamp })).toBe(true);
  });

  it('refuses a tampered body, timestamp, signature or secret', () => {
    const at = { now: timestamp };
    expect(verifyWebhookSignature(secret, expected, String(timestamp), body.replace('d1', 'd2'), at)).toBe(false);
    expect(verifyWebhookSignature(secret, expected, String(timestamp + 1), body, at)).toBe(false);
    expect(verifyWebhookSignature(secret, expected.replace(/.$/, 'd'), String(timestamp), body, at)).toBe(false);
    expect(verifyWebhookSignature(`${secret}x`, expected, String(timestamp), body, at)).toBe(false);
    expect(verifyWebhookSignature(secret, expected.replace('v1=', 'v2='), String(timestamp), body, at)).toBe(false);
    expect(verifyWebhookSignature(secret, undefined, String(timestamp), body, at)).toBe(false);
    expect(verifyWebhookSignature(secret, expected, 'soon', body, at)).toBe(false);
  });

  it('refuses a replay older (or newer) than the tolerance', () => {
    expect(verifyWebhookSignature(secret, expected, String(timestamp), body, { now: timestamp + 301 })).toBe(false);
    expect(verifyWebhookSignature(secret, expected, String(timestamp), body, { now: timestamp - 301 })).toBe(false);
    expect(verifyWebhookSignature(secret, expected, String(timestamp), body, { now: timestamp + 3600, toleranceSeconds: 7200 })).toBe(true);
  });

  it('generates distinct whsec_ secrets of 32 random bytes', () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a.slice(6), 'base64url')).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(a);
  });
});
