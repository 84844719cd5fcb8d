import { z } from 'zod';
import { entityId, safeText } from './fields';
import { API_KEY_SCOPES } from '../tenancy/api-key-scopes';
import { TenantBilling, TenantLimits, TenantProviders, TenantQuotas } from '../tenancy/tenant-settings';

/**
 * Request and response shapes of the admin API (`/admin/v1`, ADMIN_TOKEN): tenants,
 * their API keys and their vendor credentials. The admin CLI validates its input with
 * the same schemas.
 */

export const TENANT_STATUSES = ['active', 'disabled'] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

export const tenantName = () => safeText().trim().min(1, 'name must not be empty').max(200);

export const TenantIdParam = z.strictObject({ tenant_id: entityId('tenant_id') });
export type TenantIdParam = z.infer<typeof TenantIdParam>;

export const CreateTenantRequest = z.strictObject({
  name: tenantName(),
  limits: TenantLimits.optional(),
  quotas: TenantQuotas.optional(),
  billing: TenantBilling.optional(),
  providers: TenantProviders.optional(),
});
export type CreateTenantRequest = z.infer<typeof CreateTenantRequest>;

/** Each settings object given replaces the stored one ({} = the platform defaults); billing null = the default rule. */
export const UpdateTenantRequest = z
  .strictObject({
    name: tenantName().optional(),
    limits: TenantLimits.optional(),
    quotas: TenantQuotas.optional(),
    billing: TenantBilling.nullable().optional(),
    providers: TenantProviders.optional(),
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined), 'give at least one of name, limits, quotas, billing, providers');
export type UpdateTenantRequest = z.infer<typeof UpdateTenantRequest>;

export const TenantResponse = z.object({
  id: z.uuid(),
  name: z.string(),
  status: z.enum(TENANT_STATUSES),
  /** The tenant's own values; an absent field means the platform default. */
  limits: TenantLimits,
  quotas: TenantQuotas,
  /** null: the platform default (per_second). */
  billing: TenantBilling.nullable(),
  providers: TenantProviders,
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
  disabled_at: z.iso.datetime().nullable(),
});
export type TenantResponse = z.infer<typeof TenantResponse>;

export const DisableTenantResponse = TenantResponse.extend({
  /** Sessions (created or active) the disable stopped, with end reason tenant_disabled. */
  sessions_stopped: z.number().int(),
});
export type DisableTenantResponse = z.infer<typeof DisableTenantResponse>;

export const MAX_TENANTS_PAGE = 200;

/**
 * The tenant list's cursor: opaque to clients (base64url of the last id of a page), so
 * its form can change. A cursor that does not decode is a 400, not an empty page.
 */
export const tenantCursor = {
  encode(lastId: string): string {
    return Buffer.from(`t:${lastId}`, 'utf8').toString('base64url');
  },
  decode(cursor: string): string | null {
    const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
    const id = decoded.startsWith('t:') ? decoded.slice(2) : '';
    return z.uuid().safeParse(id).success ? id.toLowerCase() : null;
  },
};

export const ListTenantsQuery = z.strictObject({
  status: z.enum(TENANT_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_TENANTS_PAGE).default(50),
  /** next_cursor of the previous page. */
  cursor: z
    .string()
    .max(200)
    .transform((cursor, ctx) => {
      const after = tenantCursor.decode(cursor);
      if (after === null) {
        ctx.addIssue({ code: 'custom', message: 'not a cursor this API issued' });
        return z.NEVER;
      }
      return after;
    })
    .optional(),
});
export type ListTenantsQuery = z.infer<typeof ListTenantsQuery>;

export const ListTenantsResponse = z.object({
  tenants: z.array(TenantResponse),
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: z.string().nullable(),
});
export type ListTenantsResponse = z.infer<typeof ListTenantsResponse>;

// API keys.

export const ApiKeyIdParam = z.strictObject({ tenant_id: entityId('tenant_id'), key_id: entityId('key_id') });
export type ApiKeyIdParam = z.infer<typeof ApiKeyIdParam>;

export const apiKeyScopes = () =>
  z
    .array(z.enum(API_KEY_SCOPES))
    .min(1, 'a key needs at least one scope')
    .max(API_KEY_SCOPES.length * 2)
    .transform((scopes) => [...new Set(scopes)]);

export const CreateApiKeyRequest = z.strictObject({
  name: safeText().trim().min(1, 'name must not be empty').max(100),
  /** Default: every scope. */
  scopes: apiKeyScopes().default([...API_KEY_SCOPES]),
});
export type CreateApiKeyRequest = z.infer<typeof CreateApiKeyRequest>;

/** Longest grace a rotation may give the old secret: a week. */
export const MAX_ROTATION_GRACE_SECONDS = 7 * 24 * 3600;

export const RotateApiKeyRequest = z
  .strictObject({
    /** How long the old secret keeps working (default API_KEY_ROTATION_GRACE_SECONDS, 24 h); 0 ends it now. */
    grace_seconds: z.number().int().min(0).max(MAX_ROTATION_GRACE_SECONDS).optional(),
  })
  .default({});
export type RotateApiKeyRequest = z.infer<typeof RotateApiKeyRequest>;

/** A new key: the secret `key` is in this answer only, never again. */
export const CreatedApiKeyResponse = z.object({
  id: z.uuid(),
  key: z.string(),
  prefix: z.string(),
  name: z.string(),
  scopes: z.array(z.enum(API_KEY_SCOPES)),
  created_at: z.iso.datetime(),
});
export type CreatedApiKeyResponse = z.infer<typeof CreatedApiKeyResponse>;

export const RotatedApiKeyResponse = CreatedApiKeyResponse.extend({
  /** The key it replaces, and when that one stops working. */
  previous_key: z.object({ id: z.uuid(), expires_at: z.iso.datetime() }),
});
export type RotatedApiKeyResponse = z.infer<typeof RotatedApiKeyResponse>;

export const ApiKeySummary = z.object({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.string()),
  created_at: z.iso.datetime(),
  /** Updated at most once a minute. */
  last_used_at: z.iso.datetime().nullable(),
  /** Set on a rotated key: it stops working then. */
  expires_at: z.iso.datetime().nullable(),
  revoked_at: z.iso.datetime().nullable(),
});
export type ApiKeySummary = z.infer<typeof ApiKeySummary>;

export const ListApiKeysResponse = z.object({ api_keys: z.array(ApiKeySummary) });
export type ListApiKeysResponse = z.infer<typeof ListApiKeysResponse>;

// Vendor credentials.

/**
 * The vendors whose credentials a tenant may store: the avatar providers, ElevenLabs
 * (speech), and `chat` (its own OpenAI-compatible API for chat.completions: api_url,
 * api_key, model — docs/chat.md).
 */
export const CREDENTIAL_PROVIDERS = ['avaturn', 'liveavatar', 'heygen', 'spatialwalk', 'elevenlabs', 'chat'] as const;
export type CredentialProvider = (typeof CREDENTIAL_PROVIDERS)[number];

export const CredentialParam = z.strictObject({ tenant_id: entityId('tenant_id'), provider: z.enum(CREDENTIAL_PROVIDERS) });
export type CredentialParam = z.infer<typeof CredentialParam>;

export const MAX_CREDENTIAL_FIELDS = 16;
export const MAX_CREDENTIAL_VALUE_LENGTH = 4096;

/**
 * `{api_key, app_id, …}`: a flat object of strings. The messages never quote a value
 * (they are secrets): only field names and limits.
 */
export const PutCredentialsRequest = z
  .record(
    z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'field names are lower-case snake_case, at most 64 characters'),
    safeText().min(1, 'must not be empty').max(MAX_CREDENTIAL_VALUE_LENGTH),
  )
  .refine((fields) => Object.keys(fields).length >= 1, 'at least one field')
  .refine((fields) => Object.keys(fields).length <= MAX_CREDENTIAL_FIELDS, `at most ${MAX_CREDENTIAL_FIELDS} fields`);
export type PutCredentialsRequest = z.infer<typeof PutCredentialsRequest>;

/** What the API says about stored credentials: never a value. */
export const CredentialSummary = z.object({
  provider: z.enum(CREDENTIAL_PROVIDERS),
  /** Field names; null if the key that sealed them is not configured (CREDENTIALS_KEY / CREDENTIALS_OLD_KEYS). */
  fields: z.array(z.string()).nullable(),
  /** Which CREDENTIALS_KEY sealed them (first 16 hex characters of its SHA-256). */
  key_id: z.string(),
  updated_at: z.iso.datetime(),
});
export type CredentialSummary = z.infer<typeof CredentialSummary>;

export const ListCredentialsResponse = z.object({ credentials: z.array(CredentialSummary) });
export type ListCredentialsResponse = z.infer<typeof ListCredentialsResponse>;
