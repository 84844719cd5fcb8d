import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { PlatformError } from '@avatar/contracts';

/**
 * Secrets at rest (tenants' vendor credentials, webhook signing secrets): AES-256-GCM
 * with a random 12-byte IV per seal, stored as `iv | auth tag | ciphertext` together
 * with the id of the key that sealed it. CREDENTIALS_KEY seals; it and every key of
 * CREDENTIALS_OLD_KEYS open, so the key can rotate: set the new key, move the old one
 * to CREDENTIALS_OLD_KEYS, run `npm run admin -- credentials reseal`, drop the old key.
 *
 * `context` (additional authenticated data) binds a sealed value to where it belongs
 * (e.g. tenant and vendor): a blob copied onto another tenant's row does not open.
 */

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** The keys as the configuration holds them: base64 of 32 bytes each. */
export interface CredentialKeysConfig {
  CREDENTIALS_KEY?: string;
  /** Parsed list (app config) or the raw comma-separated variable. */
  CREDENTIALS_OLD_KEYS?: string[] | string;
}

export interface SealedSecret {
  keyId: string;
  /** iv (12) | tag (16) | ciphertext */
  sealed: Uint8Array<ArrayBuffer>;
}

/** DI token of the process's CredentialCipher (see credentialCipherProvider). */
export const CREDENTIAL_CIPHER = Symbol('CREDENTIAL_CIPHER');

/** The sealed value names a key this process does not have (neither CREDENTIALS_KEY nor CREDENTIALS_OLD_KEYS). */
export class UnknownCredentialKeyError extends Error {
  constructor(readonly keyId: string) {
    super(`sealed with credentials key ${keyId}, which is neither CREDENTIALS_KEY nor one of CREDENTIALS_OLD_KEYS`);
    this.name = 'UnknownCredentialKeyError';
  }
}

/** The sealed value does not open with its key: tampered, truncated, or sealed for another context. */
export class CredentialIntegrityError extends Error {
  constructor(keyId: string) {
    super(`a value sealed with credentials key ${keyId} failed authentication (tampered, truncated, or not sealed for this record)`);
    this.name = 'CredentialIntegrityError';
  }
}

/** The key id stored beside a sealed value: first 16 hex characters of SHA-256 of the raw key. */
export function credentialKeyId(key: Uint8Array): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

function decodeKey(base64: string, name: string): Buffer {
  const key = Buffer.from(base64.trim(), 'base64');
  if (key.length !== KEY_BYTES) throw new Error(`${name} must be base64 of ${KEY_BYTES} bytes (openssl rand -base64 32)`);
  return key;
}

export class CredentialCipher {
  private readonly keys = new Map<string, Buffer>();
  private readonly sealingKeyId: string | null;

  constructor(sealingKey: Uint8Array | null, oldKeys: Uint8Array[] = []) {
    for (const key of oldKeys) this.keys.set(credentialKeyId(key), Buffer.from(key));
    if (sealingKey) {
      if (sealingKey.length !== KEY_BYTES) throw new Error(`a credentials key is ${KEY_BYTES} bytes`);
      this.sealingKeyId = credentialKeyId(sealingKey);
      this.keys.set(this.sealingKeyId, Buffer.from(sealingKey));
    } else {
      this.sealingKeyId = null;
    }
  }

  static fromConfig(config: CredentialKeysConfig): CredentialCipher {
    const old = typeof config.CREDENTIALS_OLD_KEYS === 'string' ? config.CREDENTIALS_OLD_KEYS.split(',') : (config.CREDENTIALS_OLD_KEYS ?? []);
    return new CredentialCipher(
      config.CREDENTIALS_KEY ? decodeKey(config.CREDENTIALS_KEY, 'CREDENTIALS_KEY') : null,
      old.map((k) => k.trim()).filter(Boolean).map((k) => decodeKey(k, 'CREDENTIALS_OLD_KEYS')),
    );
  }

  /** The id of CREDENTIALS_KEY, or null when none is configured (nothing can be sealed). */
  get currentKeyId(): string | null {
    return this.sealingKeyId;
  }

  get canSeal(): boolean {
    return this.sealingKeyId !== null;
  }

  /** True when a value sealed with this key id opens here. */
  canOpen(keyId: string): boolean {
    return this.keys.has(keyId);
  }

  /** Seals with CREDENTIALS_KEY; without one, 503 SERVICE_UNAVAILABLE naming the variable. */
  seal(plaintext: Uint8Array | string, context = ''): SealedSecret {
    if (!this.sealingKeyId) {
      throw new PlatformError('SERVICE_UNAVAILABLE', 'secrets cannot be stored: set CREDENTIALS_KEY (base64 of 32 random bytes) on the gateway and worker', {
        missing: 'CREDENTIALS_KEY',
      });
    }
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.sealingKeyId)!, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
    const ciphertext = Buffer.concat([cipher.update(data), cipher.final()]);
    return { keyId: this.sealingKeyId, sealed: Buffer.concat([iv, cipher.getAuthTag(), ciphertext]) };
  }

  /** Opens a sealed value with the key it names; throws if that key is unknown or the value was altered. */
  open(secret: { keyId: string; sealed: Uint8Array }, context = ''): Buffer {
    const key = this.keys.get(secret.keyId);
    if (!key) throw new UnknownCredentialKeyError(secret.keyId);
    const sealed = Buffer.from(secret.sealed);
    if (sealed.length < IV_BYTES + TAG_BYTES) throw new CredentialIntegrityError(secret.keyId);
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
    } catch {
      throw new CredentialIntegrityError(secret.keyId);
    }
  }

  sealJson(value: unknown, context = ''): SealedSecret {
    return this.seal(JSON.stringify(value), context);
  }

  openJson<T>(secret: { keyId: string; sealed: Uint8Array }, context = ''): T {
    return JSON.parse(this.open(secret, context).toString('utf8')) as T;
  }
}

/**
 * The cipher for a Nest module, from the app's validated config:
 * `providers: [credentialCipherProvider(config)]`, then `@Inject(CREDENTIAL_CIPHER)`.
 */
export function credentialCipherProvider(config: CredentialKeysConfig) {
  return { provide: CREDENTIAL_CIPHER, useFactory: () => CredentialCipher.fromConfig(config) };
}
