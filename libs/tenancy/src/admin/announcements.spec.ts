import { apiKeySubjects, tenantSubjects } from '@avatar/contracts';
import { announcements } from './announcements';

const decoded = (list: Array<{ subject: string; data: Uint8Array }>) => list.map((m) => [m.subject, new TextDecoder().decode(m.data)]);

describe('announcements', () => {
  it('a changed key: its hash on the tenant revocation subject', () => {
    expect(decoded(announcements.keyChanged('t1', 'abc'))).toEqual([[apiKeySubjects.revoked('t1'), '{"key_hash":"abc"}']]);
  });

  it('a disabled tenant: all its keys, then an empty "changed"', () => {
    expect(decoded(announcements.tenantDisabled('t1'))).toEqual([
      [apiKeySubjects.revoked('t1'), '{"all_keys":true}'],
      [tenantSubjects.changed('t1'), ''],
    ]);
  });
});
