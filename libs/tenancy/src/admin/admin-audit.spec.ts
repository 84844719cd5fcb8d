import { auditLine } from './admin-audit';

describe('auditLine', () => {
  it('names the actor, the action, the tenant and the details as key=value', () => {
    expect(auditLine('admin', 'api_key.create', 't1', { key_id: 'k1', scopes: ['sessions:read', 'usage:read'], n: 2 })).toBe(
      'audit actor=admin action=api_key.create tenant=t1 key_id=k1 scopes=sessions:read,usage:read n=2',
    );
  });

  it('quotes values with spaces or separators, so a name cannot forge another field', () => {
    expect(auditLine('admin-cli', 'tenant.create', null, { name: 'Acme tenant=evil' })).toBe('audit actor=admin-cli action=tenant.create tenant=- name="Acme tenant=evil"');
  });
});
