import { createHash, randomBytes } from 'node:crypto';

/**
 * Tenant API keys. Only a SHA-256 hash is stored: a leaked database does not leak
 * keys, and a key of 256 random bits needs no slow hash. The prefix identifies a key
 * in listings without revealing it.
 */
export const API_KEY_PREFIX = 'ak_';
const DISPLAY_PREFIX_LENGTH = 10;

export function generateApiKey(): string {
  return `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function apiKeyDisplayPrefix(key: string): string {
  return key.slice(0, DISPLAY_PREFIX_LENGTH);
}

/** Reads the key from an `Authorization: Bearer <key>` header. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value ? /^Bearer\s+(\S+)\s*$/i.exec(value) : null;
  return match?.[1];
}
