import { randomBytes } from 'node:crypto';
import { TenantScope, TenantScopes } from '@avatar/contracts';
import type { SealedDocument, SealedWebhookSecretRecord, WebhookEndpointsRepository } from '@avatar/persistence';
import { CredentialCipher, CredentialIntegrityError } from '../credential-cipher';
import { webhookSecretContext } from '../webhook-signature';
import { resealWebhookSecrets } from './reseal-webhook-secrets';

const A = TenantScopes.ofRecord('10000000-0000-4000-8000-00000000000a');
const B = TenantScopes.ofRecord('10000000-0000-4000-8000-00000000000b');
const endpoint = (n: number) => `20000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('resealWebhookSecrets', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  const before = new CredentialCipher(oldKey);
  const after = new CredentialCipher(newKey, [oldKey]);

  /** An in-memory webhook_endpoints table with the repository's two sweep methods. */
  function table(rows: SealedWebhookSecretRecord[]) {
    const byKey = new Map(rows.map((r) => [`${r.tenantId}/${r.id}`, r]));
    const repo = {
      sealedWithOtherKeys: jest.fn(async (keyId: string, limit: number, cursor?: { tenantId: string; id: string }) =>
        [...byKey.values()]
          .filter((r) => r.keyId !== keyId)
          .sort((x, y) => `${x.tenantId}/${x.id}`.localeCompare(`${y.tenantId}/${y.id}`))
          .filter((r) => !cursor || `${r.tenantId}/${r.id}` > `${cursor.tenantId}/${cursor.id}`)
          .slice(0, limit),
      ),
      replaceSealed: jest.fn(async (tenantId: TenantScope, id: string, expected: string, doc: SealedDocument) => {
        const row = byKey.get(`${tenantId}/${id}`);
        if (!row || row.keyId !== expected) return false;
        byKey.set(`${tenantId}/${id}`, { ...row, ...doc });
        return true;
      }),
    };
    return { repo: repo as unknown as WebhookEndpointsRepository & typeof repo, rows: byKey };
  }
  const record = (cipher: CredentialCipher, tenantId: TenantScope, id: string, secret: string): SealedWebhookSecretRecord => ({
    tenantId,
    id,
    ...cipher.seal(secret, webhookSecretContext(tenantId, id)),
  });

  it('re-seals every secret sealed with an old key under CREDENTIALS_KEY, still bound to its tenant and endpoint', async () => {
    const t = table([record(before, A, endpoint(1), 'whsec_a'), record(before, B, endpoint(2), 'whsec_b'), record(after, B, endpoint(3), 'whsec_c')]);

    const report = await resealWebhookSecrets(t.repo, after);

    expect(report).toEqual({ resealed: 2, skipped: 0, unopenable: [] });
    const onlyNew = new CredentialCipher(newKey);
    const row = t.rows.get(`${B}/${endpoint(2)}`)!;
    expect(row.keyId).toBe(onlyNew.currentKeyId);
    expect(onlyNew.open(row, webhookSecretContext(B, endpoint(2))).toString()).toBe('whsec_b');
    expect(() => onlyNew.open(row, webhookSecretContext(A, endpoint(2)))).toThrow(CredentialIntegrityError);
    expect(t.repo.replaceSealed).toHaveBeenCalledTimes(2);
  });

  it('pages through more endpoints than one page', async () => {
    const t = table(Array.from({ length: 230 }, (_, i) => record(before, A, endpoint(i), `whsec_${i}`)));
    expect((await resealWebhookSecrets(t.repo, after)).resealed).toBe(230);
    expect(t.repo.sealedWithOtherKeys.mock.calls.map((c) => c[2]?.id)).toEqual([undefined, endpoint(99), endpoint(199)]);
  });

  it('reports secrets sealed with a key it does not have, and leaves them', async () => {
    const stranger = new CredentialCipher(randomBytes(32));
    const t = table([record(stranger, A, endpoint(1), 'whsec_a')]);

    expect((await resealWebhookSecrets(t.repo, after)).unopenable).toEqual([`${A}/${endpoint(1)} (key ${stranger.currentKeyId})`]);
    expect(t.rows.get(`${A}/${endpoint(1)}`)!.keyId).toBe(stranger.currentKeyId);
  });

  it('counts an endpoint changed meanwhile as skipped, not re-sealed over it', async () => {
    const t = table([record(before, A, endpoint(1), 'whsec_a')]);
    t.repo.replaceSealed.mockResolvedValueOnce(false);
    expect(await resealWebhookSecrets(t.repo, after)).toEqual({ resealed: 0, skipped: 1, unopenable: [] });
  });
});
