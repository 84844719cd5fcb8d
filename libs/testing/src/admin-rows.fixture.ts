import type { ApiKeyRow, TenantRow, VendorCredentialRow } from '@avatar/persistence';

// Complete tenant, API key and vendor credential rows for the admin specs; `overrides` replace any field.
export const ADMIN_FIXTURE_TENANT_ID = '11111111-1111-4111-8111-111111111111';

export function tenantRow(overrides: Partial<TenantRow> = {}): TenantRow {
  return {
    id: ADMIN_FIXTURE_TENANT_ID,
    name: 'Acme',
    status: 'active',
    limits: {},
    quotas: {},
    billing: {},
    providers: {},
    createdAt: new Date('2025-01-01T00:00:00.000Z'),
    updatedAt: new Date('2025-01-01T00:00:00.000Z'),
    disabledAt: null,
    ...overrides,
  };
}

export function apiKeyRow(overrides: Partial<ApiKeyRow> = {}): ApiKeyRow {
  return {
    id: '22222222-2222-4222-8222-222222222222',
    tenantId: ADMIN_FIXTURE_TENANT_ID,
    name: 'backend',
    keyHash: 'f'.repeat(64),
    keyPrefix: 'ak_abcdefg',
    createdAt: new Date('2025-01-01T00:00:00.000Z'),
    scopes: ['sessions:write', 'sessions:read', 'usage:read'],
    revokedAt: null,
    expiresAt: null,
    lastUsedAt: null,
    ...overrides,
  };
}

export function vendorCredentialRow(overrides: Partial<VendorCredentialRow> = {}): VendorCredentialRow {
  return {
    tenantId: ADMIN_FIXTURE_TENANT_ID,
    provider: 'heygen',
    keyId: '0123456789abcdef',
    sealed: new Uint8Array(40),
    createdAt: new Date('2025-01-01T00:00:00.000Z'),
    updatedAt: new Date('2025-01-01T00:00:00.000Z'),
    ...overrides,
  };
}
