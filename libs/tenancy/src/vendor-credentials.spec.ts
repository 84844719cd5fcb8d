import { randomBytes } from 'node:crypto';
import { TenantScopes } from '@avatar/contracts';
import type { SealedCredentialRecord, SealedDocument, VendorCredentialsRepository } from '@avatar/persistence';
import { vendorCredentialRow } from '@avatar/testing';
import { CredentialCipher, CredentialIntegrityError, UnknownCredentialKeyError } from './credential-cipher';
import { openVendorCredentials, resealVendorCredentials, sealVendorCredentials, VendorCredentialsReader } from './vendor-credentials';

const A = TenantScopes.ofRecord('10000000-0000-4000-8000-00000000000a');
const B = TenantScopes.ofRecord('10000000-0000-4000-8000-00000000000b');

describe('VendorCredentialsReader', () => {
  const cipher = new CredentialCipher(randomBytes(32));
  const reader = (row: unknown) => new VendorCredentialsReader({ find: jest.fn(async () => row) } as unknown as VendorCredentialsRepository, cipher);

  it('answers the decrypted fields of the tenant for the vendor', async () => {
    const row = vendorCredentialRow({ ...sealVendorCredentials(cipher, A, 'heygen', { api_key: 'k', app_id: 'a' }) });
    expect(await reader(row).credentialsFor(A, 'heygen')).toEqual({ api_key: 'k', app_id: 'a' });
  });

  it('answers null when the tenant stored none', async () => {
    expect(await reader(null).credentialsFor(A, 'heygen')).toBeNull();
  });

  it("refuses another tenant's or vendor's sealed bytes (a row copied across)", async () => {
    const sealed = sealVendorCredentials(cipher, A, 'heygen', { api_key: 'k' });
    await expect(reader(vendorCredentialRow({ ...sealed })).credentialsFor(B, 'heygen')).rejects.toThrow(CredentialIntegrityError);
    await expect(reader(vendorCredentialRow({ ...sealed })).credentialsFor(A, 'avaturn')).rejects.toThrow(CredentialIntegrityError);
  });

  it('names the key id when the credentials were sealed with a key it does not have', async () => {
    const other = new CredentialCipher(randomBytes(32));
    const row = vendorCredentialRow({ ...sealVendorCredentials(other, A, 'heygen', { api_key: 'k' }) });
    await expect(reader(row).credentialsFor(A, 'heygen')).rejects.toThrow(new UnknownCredentialKeyError(other.currentKeyId!).message);
  });
});

describe('resealVendorCredentials', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  const before = new CredentialCipher(oldKey);
  const after = new CredentialCipher(newKey, [oldKey]);

  /** An in-memory table with the repository's two sweep methods. */
  function table(rows: SealedCredentialRecord[]) {
    const byKey = new Map(rows.map((r) => [`${r.tenant}/${r.provider}`, r]));
    const repo = {
      sealedWithOtherKeys: jest.fn(async (keyId: string, limit: number, cursor?: { tenant: string; provider: string }) =>
        [...byKey.values()]
          .filter((r) => r.keyId !== keyId)
          .sort((x, y) => `${x.tenant}/${x.provider}`.localeCompare(`${y.tenant}/${y.provider}`))
          .filter((r) => !cursor || `${r.tenant}/${r.provider}` > `${cursor.tenant}/${cursor.provider}`)
          .slice(0, limit),
      ),
      replaceSealed: jest.fn(async (tenant: string, provider: string, expected: string, doc: SealedDocument) => {
        const row = byKey.get(`${tenant}/${provider}`);
        if (!row || row.keyId !== expected) return false;
        byKey.set(`${tenant}/${provider}`, { ...row, ...doc });
        return true;
      }),
    };
    return { repo: repo as unknown as VendorCredentialsRepository & typeof repo, rows: byKey };
  }
  const record = (cipher: CredentialCipher, tenant: typeof A, provider: string, fields: Record<string, string>): SealedCredentialRecord => ({
    tenant,
    provider,
    ...sealVendorCredentials(cipher, tenant, provider, fields),
  });

  it('re-seals every row sealed with an old key under CREDENTIALS_KEY, keeping the fields', async () => {
    const t = table([record(before, A, 'heygen', { api_key: 'a' }), record(before, B, 'heygen', { api_key: 'b' }), record(after, B, 'avaturn', { api_key: 'c' })]);

    const report = await resealVendorCredentials(t.repo, after);

    expect(report).toEqual({ resealed: 2, skipped: 0, unopenable: [] });
    for (const row of t.rows.values()) expect(row.keyId).toBe(after.currentKeyId);
    expect(openVendorCredentials(new CredentialCipher(newKey), B, 'heygen', t.rows.get(`${B}/heygen`)!)).toEqual({ api_key: 'b' });
    expect(t.repo.replaceSealed).toHaveBeenCalledTimes(2);
  });

  it('pages through more rows than one page', async () => {
    const many = Array.from({ length: 250 }, (_, i) => record(before, A, `p${String(i).padStart(3, '0')}`, { api_key: String(i) }));
    const t = table(many);
    expect((await resealVendorCredentials(t.repo, after)).resealed).toBe(250);
  });

  it('reports rows sealed with a key it does not have, and leaves them', async () => {
    const stranger = new CredentialCipher(randomBytes(32));
    const t = table([record(stranger, A, 'heygen', { api_key: 'a' })]);

    const report = await resealVendorCredentials(t.repo, after);

    expect(report.unopenable).toEqual([`${A}/heygen (key ${stranger.currentKeyId})`]);
    expect(t.rows.get(`${A}/heygen`)!.keyId).toBe(stranger.currentKeyId);
  });

  it('counts a row replaced meanwhile as skipped, not re-sealed over it', async () => {
    const t = table([record(before, A, 'heygen', { api_key: 'a' })]);
    t.repo.replaceSealed.mockResolvedValueOnce(false);
    expect(await resealVendorCredentials(t.repo, after)).toEqual({ resealed: 0, skipped: 1, unopenable: [] });
  });

  it('refuses to run without CREDENTIALS_KEY', async () => {
    await expect(resealVendorCredentials(table([]).repo, new CredentialCipher(null, [oldKey]))).rejects.toThrow(/CREDENTIALS_KEY/);
  });
});
