import type { ProviderFailureKind } from '@avatar/contracts';

/**
 * What a LiveAvatar answer means when it is a failure. The vendor documents no error
 * codes beyond `code` (100 on success; the reference plugin takes ≤ 200 as success) and
 * FastAPI's 422 `detail` list, so the kinds that statuses cannot tell apart (an unknown
 * avatar, a concurrency cap, spent credits) are read from the vendor's own words.
 * Undefined: let the status decide (401/403 auth, 429 rate limited, 5xx unavailable...).
 */
export function classifyLiveAvatarFailure(status: number, body: unknown): ProviderFailureKind | undefined {
  const code = codeOf(body);
  const ok = status >= 200 && status < 300;
  if (ok && (code === undefined || code <= 200)) return undefined;
  const words = wordsOf(body);
  if (CONCURRENCY.test(words)) return 'concurrency_limit';
  if (status === 402 || QUOTA.test(words)) return 'quota';
  if (/avatar/.test(words) && UNKNOWN.test(words)) return 'unknown_avatar';
  if (status === 422 && invalidFields(body).includes('avatar_id')) return 'unknown_avatar';
  // A 2xx whose `code` says failure, with nothing more to go on.
  if (ok) return 'rejected';
  return undefined;
}

/** True when a stop answer says the session is over already (stop is idempotent). */
export function meansAlreadyStopped(status: number, body: unknown): boolean {
  // A 2xx carrying a failure `code` is read by that code.
  const code = codeOf(body);
  const effective = status >= 200 && status < 300 && code !== undefined ? code : status;
  if (effective === 404) return true;
  if (effective < 400 || effective >= 500 || effective === 401 || effective === 403) return false;
  return /already (stopped|closed|ended)|not (active|running|started)|session (is )?(closed|ended|stopped)|session not found/.test(wordsOf(body));
}

const CONCURRENCY = /concurren|too many (active |open |running )?sessions|session limit|maximum (number of )?sessions|max sessions/;
const QUOTA = /credit|quota|insufficient (balance|funds)|payment required|out of minutes|billing/;
const UNKNOWN = /not found|does not exist|doesn't exist|unknown|invalid|not available|not allowed|no access/;

function codeOf(body: unknown): number | undefined {
  const code = (body as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The answer's message, detail and error texts, lower-cased, for matching. */
function wordsOf(body: unknown): string {
  if (typeof body === 'string') return body.toLowerCase();
  if (!body || typeof body !== 'object') return '';
  const b = body as Record<string, unknown>;
  const parts: unknown[] = [b.message, b.error, b.detail];
  if (b.error && typeof b.error === 'object') parts.push((b.error as Record<string, unknown>).message);
  if (Array.isArray(b.detail)) parts.push(...b.detail.map((d) => (d as { msg?: unknown })?.msg));
  return parts
    .filter((p): p is string => typeof p === 'string')
    .join(' ')
    .toLowerCase();
}

/** FastAPI's 422: `detail: [{loc: ['body', 'avatar_id'], msg}]` → the fields it names. */
function invalidFields(body: unknown): string[] {
  const detail = (body as { detail?: unknown } | undefined)?.detail;
  if (!Array.isArray(detail)) return [];
  return detail.flatMap((d) => {
    const loc = (d as { loc?: unknown })?.loc;
    return Array.isArray(loc) ? loc.filter((l): l is string => typeof l === 'string') : [];
  });
}
