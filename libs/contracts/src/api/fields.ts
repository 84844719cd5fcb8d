import { z } from 'zod';

/** Field types every request DTO builds on, so each rule holds for every field at once. */

/** A NUL character, or a UTF-16 surrogate that is not half of a pair. */
const UNSAFE_CHARACTER = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const UNSAFE_TEXT_MESSAGE = 'must not contain NUL characters or unpaired UTF-16 surrogates';

/** True when the string has no NUL and no lone surrogate (it can be stored and encoded as UTF-8). */
export function isSafeText(value: string): boolean {
  return !UNSAFE_CHARACTER.test(value);
}

/**
 * Every string a client sends: text that PostgreSQL can store and UTF-8 can encode.
 * A NUL or a lone surrogate is refused (400, naming the field) instead of failing in
 * the database (500) or being silently replaced by U+FFFD on the way.
 */
export const safeText = () => z.string().refine(isSafeText, UNSAFE_TEXT_MESSAGE);

/**
 * An id the platform issued (UUID), accepted in any case and lower-cased, so that
 * `3F25…` and `3f25…` reach the same row and the same (case-sensitive) NATS subject.
 */
export const entityId = (field: string) => z.uuid({ message: `${field} must be a UUID` }).toLowerCase();
