import { createHash, randomBytes } from 'node:crypto';
import { PlatformError } from '@avatar/contracts';
import { CredentialCipher, CredentialIntegrityError, credentialKeyId, UnknownCredentialKeyError } from './credential-cipher';

const KEY = randomBytes(32);
const OLD = randomBytes(32);
const b64 = (key: Buffer) => key.toString('base64');

describe('CredentialCipher', () => {
  it('opens what it sealed, and the sealed bytes are iv | tag | ciphertext without the plaintext', () => {
    const cipher = new CredentialCipher(KEY);
    const secret = cipher.seal('sk_live_very_secret', 'ctx');

    expect(cipher.open(secret, 'ctx').toString()).toBe('sk_live_very_secret');
    expect(secret.sealed.length).toBe(12 + 16 + 'sk_live_very_secret'.length);
    expect(Buffer.from(secret.sealed).includes('sk_live_very_secret')).toBe(false);
  });

  it('uses a fresh IV for every seal', () => {
    const cipher = new CredentialCipher(KEY);
    const a = Buffer.from(cipher.seal('same').sealed);
    const b = Buffer.from(cipher.seal('same').sealed);
    expect(a.subarray(0, 12).equals(b.subarray(0, 12))).toBe(false);
    expect(a.equals(b)).toBe(false);
  });

  it('names the key by the first 16 hex characters of its SHA-256', () => {
    const cipher = new CredentialCipher(KEY);
    const expected = createHash('sha256').update(KEY).digest('hex').slice(0, 16);
    expect(credentialKeyId(KEY)).toBe(expected);
    expect(cipher.currentKeyId).toBe(expected);
    expect(cipher.seal('x').keyId).toBe(expected);
  });

  it('refuses a tampered value: any flipped byte of iv, tag or ciphertext', () => {
    const cipher = new CredentialCipher(KEY);
    const secret = cipher.seal('{"api_key":"k"}');
    for (const index of [0, 12, 28, secret.sealed.length - 1]) {
      const sealed = Buffer.from(secret.sealed);
      sealed[index] ^= 0x01;
      expect(() => cipher.open({ keyId: secret.keyId, sealed })).toThrow(CredentialIntegrityError);
    }
    expect(() => cipher.open({ keyId: secret.keyId, sealed: Buffer.from(secret.sealed).subarray(0, 20) })).toThrow(CredentialIntegrityError);
  });

  it('refuses a value sealed for another context (another tenant or vendor)', () => {
    const cipher = new CredentialCipher(KEY);
    const secret = cipher.seal('k', 'vendor-credentials:tenant-a:heygen');
    expect(() => cipher.open(secret, 'vendor-credentials:tenant-b:heygen')).toThrow(CredentialIntegrityError);
  });

  it('does not open with a wrong key, even one that claims the right id', () => {
    const secret = new CredentialCipher(KEY).seal('k');
    expect(() => new CredentialCipher(randomBytes(32)).open(secret)).toThrow(UnknownCredentialKeyError);
    // A forged key table: the right id mapped to the wrong key still fails authentication.
    const impostor = new CredentialCipher(randomBytes(32));
    (impostor as unknown as { keys: Map<string, Buffer> }).keys.set(secret.keyId, randomBytes(32));
    expect(() => impostor.open(secret)).toThrow(CredentialIntegrityError);
  });

  it('opens what an old key sealed once that key is in CREDENTIALS_OLD_KEYS, and seals with the new one', () => {
    const sealedBefore = CredentialCipher.fromConfig({ CREDENTIALS_KEY: b64(OLD) }).seal('old secret');
    const rotated = CredentialCipher.fromConfig({ CREDENTIALS_KEY: b64(KEY), CREDENTIALS_OLD_KEYS: [b64(OLD)] });

    expect(rotated.open(sealedBefore).toString()).toBe('old secret');
    expect(rotated.seal('new').keyId).toBe(credentialKeyId(KEY));
    expect(rotated.canOpen(credentialKeyId(OLD))).toBe(true);
  });

  it('reads CREDENTIALS_OLD_KEYS as the raw comma-separated variable too', () => {
    const other = randomBytes(32);
    const cipher = CredentialCipher.fromConfig({ CREDENTIALS_KEY: b64(KEY), CREDENTIALS_OLD_KEYS: ` ${b64(OLD)}, ${b64(other)} ,` });
    expect(cipher.canOpen(credentialKeyId(OLD))).toBe(true);
    expect(cipher.canOpen(credentialKeyId(other))).toBe(true);
  });

  it('names the unknown key id and both variables when it cannot open a value', () => {
    const secret = new CredentialCipher(OLD).seal('k');
    const err = (() => {
      try {
        new CredentialCipher(KEY).open(secret);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(UnknownCredentialKeyError);
    expect(err!.message).toContain(credentialKeyId(OLD));
    expect(err!.message).toMatch(/CREDENTIALS_KEY.*CREDENTIALS_OLD_KEYS/);
  });

  it('without CREDENTIALS_KEY seals nothing (503 naming the variable) but still opens with old keys', () => {
    const sealed = new CredentialCipher(OLD).seal('k');
    const cipher = CredentialCipher.fromConfig({ CREDENTIALS_OLD_KEYS: [b64(OLD)] });

    expect(cipher.canSeal).toBe(false);
    expect(cipher.currentKeyId).toBeNull();
    const err = (() => {
      try {
        cipher.seal('x');
      } catch (e) {
        return e as PlatformError;
      }
    })();
    expect(err).toBeInstanceOf(PlatformError);
    expect(err!.code).toBe('SERVICE_UNAVAILABLE');
    expect(err!.message).toContain('CREDENTIALS_KEY');
    expect(cipher.open(sealed).toString()).toBe('k');
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => CredentialCipher.fromConfig({ CREDENTIALS_KEY: Buffer.alloc(16).toString('base64') })).toThrow(/CREDENTIALS_KEY/);
  });

  it('round-trips JSON', () => {
    const cipher = new CredentialCipher(KEY);
    expect(cipher.openJson(cipher.sealJson({ api_key: 'k', app_id: 'a' }, 'c'), 'c')).toEqual({ api_key: 'k', app_id: 'a' });
  });
});
