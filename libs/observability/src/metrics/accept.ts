/**
 * Whether an Accept header asks for JSON rather than Prometheus text: JSON only when
 * `application/json` is listed with a weight above every text form Prometheus
 * understands (`text/plain`, `application/openmetrics-text`). A scraper's default
 * header, no header and a bare wildcard get Prometheus text.
 */
export function prefersJson(accept: string | undefined): boolean {
  if (!accept) return false;
  let json = 0;
  let text = 0;
  for (const part of accept.split(',')) {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q)) continue;
    if (type.trim() === 'application/json') json = Math.max(json, q);
    else if (type.trim() === 'text/plain' || type.trim() === 'application/openmetrics-text') text = Math.max(text, q);
  }
  return json > 0 && json > text;
}
