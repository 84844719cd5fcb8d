/**
 * The audit trail of operator actions: one log line per change, naming who (the admin
 * API or the CLI), what, and the tenant. Details are ids, counts, names and field
 * names only: a secret (a key, a credential value) is never passed in.
 */
export type AuditActor = 'admin' | 'admin-cli';
export type AuditDetails = Record<string, string | number | boolean | null | readonly string[]>;

function value(v: AuditDetails[string]): string {
  if (Array.isArray(v)) return v.join(',') || '-';
  const text = String(v);
  return /[\s"=]/.test(text) || text === '' ? JSON.stringify(text) : text;
}

export function auditLine(actor: AuditActor, action: string, tenantId: string | null, details: AuditDetails = {}): string {
  const parts = [`audit actor=${actor}`, `action=${action}`, `tenant=${tenantId ?? '-'}`];
  for (const [key, v] of Object.entries(details)) parts.push(`${key}=${value(v)}`);
  return parts.join(' ');
}
