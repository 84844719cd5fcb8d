import { apiKeyRow, tenantRow, vendorCredentialRow } from '@avatar/testing';
import { apiKeyView, createdApiKeyView, credentialView, tenantView } from './admin-views';

describe('admin views', () => {
  it('shows a tenant with its own settings; billing {} is null (the default rule)', () => {
    expect(tenantView(tenantRow({ limits: { speak_per_minute: 3 }, billing: {} }))).toEqual({
      id: tenantRow().id,
      name: 'Acme',
      status: 'active',
      limits: { speak_per_minute: 3 },
      quotas: {},
      billing: null,
      providers: {},
      created_at: '2025-01-01T00:00:00.000Z',
      updated_at: '2025-01-01T00:00:00.000Z',
      disabled_at: null,
    });
  });

  it('shows a stored document that no longer parses as the default it acts as', () => {
    expect(tenantView(tenantRow({ limits: { speak_per_minute: -1 }, billing: { model: 'free' } }))).toMatchObject({ limits: {}, billing: null });
  });

  it("leaves out only the field that no longer parses: the tenant's other values stay, as they act", () => {
    expect(tenantView(tenantRow({ limits: { speak_per_minute: 5, sessions_per_minute: -1 }, quotas: { max_active_sessions: 3, newer: 1 } }))).toMatchObject({
      limits: { speak_per_minute: 5 },
      quotas: { max_active_sessions: 3 },
    });
  });

  it('never shows a key hash or a sealed value', () => {
    const key = apiKeyRow();
    expect(JSON.stringify(apiKeyView(key))).not.toContain(key.keyHash);
    expect(JSON.stringify(createdApiKeyView(key, 'ak_secret'))).not.toContain(key.keyHash);
    expect(Object.keys(credentialView(vendorCredentialRow(), ['api_key'])).sort()).toEqual(['fields', 'key_id', 'provider', 'updated_at']);
  });
});
