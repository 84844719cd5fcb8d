import {
  ApiKeyScope,
  ApiKeySummary,
  CreatedApiKeyResponse,
  CredentialProvider,
  CredentialSummary,
  fieldsOf,
  TenantBilling,
  TenantLimits,
  TenantProviders,
  TenantQuotas,
  TenantResponse,
} from '@avatar/contracts';
import type { ApiKeyRow, TenantRow, VendorCredentialRow } from '@avatar/persistence';

/**
 * Rows → what the admin API answers and the CLI prints: one mapping for both, and the
 * one place that decides what leaves the database (never a key hash, never a sealed
 * value).
 */

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

/**
 * Stored settings shown as they act (effectiveTenantSettings): a field that no longer
 * parses is left out (its default applies), the tenant's other values stay; a billing
 * document that does not parse is shown as null (the default rule).
 */
function parsed<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }, value: unknown, fallback: T): T {
  const result = schema.safeParse(value);
  return result.success ? result.data : fallback;
}

export function tenantView(row: TenantRow): TenantResponse {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    limits: fieldsOf(TenantLimits, row.limits),
    quotas: fieldsOf(TenantQuotas, row.quotas),
    billing: parsed(TenantBilling.nullable(), row.billing, null),
    providers: fieldsOf(TenantProviders, row.providers),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    disabled_at: iso(row.disabledAt),
  };
}

export function apiKeyView(row: ApiKeyRow): ApiKeySummary {
  return {
    id: row.id,
    name: row.name,
    prefix: row.keyPrefix,
    scopes: row.scopes,
    created_at: row.createdAt.toISOString(),
    last_used_at: iso(row.lastUsedAt),
    expires_at: iso(row.expiresAt),
    revoked_at: iso(row.revokedAt),
  };
}

/** A key just made: the one answer that carries its secret. */
export function createdApiKeyView(row: ApiKeyRow, key: string): CreatedApiKeyResponse {
  return { id: row.id, key, prefix: row.keyPrefix, name: row.name, scopes: row.scopes as ApiKeyScope[], created_at: row.createdAt.toISOString() };
}

export function credentialView(row: VendorCredentialRow, fields: string[] | null): CredentialSummary {
  return { provider: row.provider as CredentialProvider, fields, key_id: row.keyId, updated_at: row.updatedAt.toISOString() };
}
