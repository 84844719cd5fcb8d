import { randomUUID } from 'node:crypto';
import type { NewApiKey } from '@avatar/persistence';
import { apiKeyDisplayPrefix, generateApiKey, hashApiKey } from '../api-key';

/** A fresh secret and the row that stores it: the hash and prefix, never the key. */
export interface IssuedSecret {
  key: string;
  record: Omit<NewApiKey, 'name' | 'scopes'>;
}

export function issueSecret(): IssuedSecret {
  const key = generateApiKey();
  return { key, record: { id: randomUUID(), keyHash: hashApiKey(key), keyPrefix: apiKeyDisplayPrefix(key) } };
}

/** A new key named `name` with `scopes`: `key` goes to the operator once, `record` to the database. */
export function issueApiKey(name: string, scopes: readonly string[]): { key: string; record: NewApiKey } {
  const { key, record } = issueSecret();
  return { key, record: { ...record, name, scopes: [...scopes] } };
}
