import { CreateApiKeyRequest, ListTenantsQuery, PutCredentialsRequest, RotateApiKeyRequest, tenantCursor, UpdateTenantRequest } from './admin.dto';

const ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const SECRET = 'sk_live_never_echo_me';

describe('admin DTOs', () => {
  it('round-trips the tenant cursor and refuses one it did not issue', () => {
    expect(tenantCursor.decode(tenantCursor.encode(ID))).toBe(ID);
    expect(ListTenantsQuery.parse({ cursor: tenantCursor.encode(ID) })).toEqual({ limit: 50, cursor: ID });
    expect(tenantCursor.decode(Buffer.from(ID).toString('base64url'))).toBeNull();
    expect(tenantCursor.decode('garbage!')).toBeNull();
    expect(ListTenantsQuery.safeParse({ cursor: 'garbage' }).success).toBe(false);
    expect(ListTenantsQuery.safeParse({ limit: '201' }).success).toBe(false);
  });

  it('refuses an empty PATCH', () => {
    expect(UpdateTenantRequest.safeParse({}).success).toBe(false);
    expect(UpdateTenantRequest.parse({ billing: null })).toEqual({ billing: null });
  });

  it('defaults a key to every scope, de-duplicates and refuses unknown or none', () => {
    expect(CreateApiKeyRequest.parse({ name: 'k' }).scopes).toEqual(['sessions:write', 'sessions:read', 'usage:read']);
    expect(CreateApiKeyRequest.parse({ name: 'k', scopes: ['usage:read', 'usage:read'] }).scopes).toEqual(['usage:read']);
    expect(CreateApiKeyRequest.safeParse({ name: 'k', scopes: [] }).success).toBe(false);
    expect(CreateApiKeyRequest.safeParse({ name: 'k', scopes: ['admin'] }).success).toBe(false);
  });

  it('bounds a rotation grace to a week and lets the body be empty', () => {
    expect(RotateApiKeyRequest.parse(undefined)).toEqual({});
    expect(RotateApiKeyRequest.safeParse({ grace_seconds: 604_800 }).success).toBe(true);
    expect(RotateApiKeyRequest.safeParse({ grace_seconds: 604_801 }).success).toBe(false);
    expect(RotateApiKeyRequest.safeParse({ grace_seconds: -1 }).success).toBe(false);
  });

  it('bounds credentials (1..16 string fields of at most 4096 characters) with messages that never quote a value', () => {
    expect(PutCredentialsRequest.parse({ api_key: SECRET, app_id: 'a' })).toEqual({ api_key: SECRET, app_id: 'a' });
    const refused = [
      {},
      Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`f${i}`, SECRET])),
      { api_key: SECRET + 'x'.repeat(4096) },
      { api_key: '' },
      { api_key: 42 },
      { api_key: { nested: SECRET } },
      { 'Api-Key': SECRET },
      { api_key: `${SECRET}\u0000` },
    ];
    for (const body of refused) {
      const result = PutCredentialsRequest.safeParse(body);
      expect(result.success).toBe(false);
      expect(JSON.stringify(result.error!.issues.map((i) => i.message))).not.toContain(SECRET);
    }
  });
});
