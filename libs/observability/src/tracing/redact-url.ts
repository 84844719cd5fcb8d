/**
 * URLs as span attributes keep their shape and lose what may be secret: every query
 * value (vendor WebSocket URLs carry session tokens, some APIs take keys in the query)
 * and any user:password. Names stay, so `?token=REDACTED` still says what was sent.
 */
export const REDACTED = 'REDACTED';

export function redactQuery(query: string): string {
  const leading = query.startsWith('?') ? '?' : '';
  const body = leading ? query.slice(1) : query;
  if (body === '') return query;
  return (
    leading +
    body
      .split('&')
      .map((pair) => {
        const eq = pair.indexOf('=');
        return eq < 0 ? pair : `${pair.slice(0, eq)}=${REDACTED}`;
      })
      .join('&')
  );
}

export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    const q = url.indexOf('?');
    return q < 0 ? url : url.slice(0, q) + redactQuery(url.slice(q));
  }
  if (parsed.username || parsed.password) {
    parsed.username = REDACTED;
    parsed.password = '';
  }
  const search = parsed.search;
  parsed.search = '';
  return parsed.toString().replace(/#.*$/, '') + (search ? redactQuery(search) : '');
}
