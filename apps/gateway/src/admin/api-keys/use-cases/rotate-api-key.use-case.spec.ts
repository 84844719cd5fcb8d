import { createHash } from 'node:crypto';
import { apiKeySubjects, TenantScopes } from '@avatar/contracts';
import type { ApiKeysRepository, RotateResult, TenantAdminRepository } from '@avatar/persistence';
import type { Announcer } from '@avatar/tenancy';
import { ADMIN_FIXTURE_TENANT_ID, apiKeyRow, caughtPlatformError, tenantRow } from '@avatar/testing';
import type { AdminAudit } from '../../common/admin-audit';
import { RotateApiKeyUseCase } from './rotate-api-key.use-case';

const TENANT = TenantScopes.administered(ADMIN_FIXTURE_TENANT_ID);
const OLD = apiKeyRow({ id: 'old-key', keyHash: 'a'.repeat(64), expiresAt: new Date('2025-01-02T00:00:00.000Z') });
const DEFAULT_GRACE = 86_400;

function setup(result?: RotateResult) {
  const keys = {
    rotate: jest.fn(async (_t: unknown, _id: string, successor: { id: string; keyHash: string; keyPrefix: string }, _grace: number): Promise<RotateResult> =>
      result ?? { outcome: 'rotated', previous: OLD, created: apiKeyRow({ ...successor, name: OLD.name, scopes: OLD.scopes }) },
    ),
  };
  const announcer = { announce: jest.fn(async () => undefined) };
  const audit = { record: jest.fn() };
  const useCase = new RotateApiKeyUseCase(
    { find: async () => tenantRow() } as unknown as TenantAdminRepository,
    keys as unknown as ApiKeysRepository,
    announcer as unknown as Announcer,
    audit as unknown as AdminAudit,
    { API_KEY_ROTATION_GRACE_SECONDS: DEFAULT_GRACE },
  );
  return { useCase, keys, announcer, audit };
}

describe('RotateApiKeyUseCase', () => {
  it('gives the key a successor with a new secret and answers it once, with when the old one ends', async () => {
    const t = setup();

    const answer = await t.useCase.execute(TENANT, 'old-key', { grace_seconds: 2 });

    const [scope, keyId, successor, grace] = t.keys.rotate.mock.calls[0];
    expect([scope, keyId, grace]).toEqual([TENANT, 'old-key', 2]);
    expect(successor.keyHash).toBe(createHash('sha256').update(answer.key).digest('hex'));
    expect(answer).toMatchObject({ id: successor.id, name: OLD.name, scopes: OLD.scopes, previous_key: { id: 'old-key', expires_at: '2025-01-02T00:00:00.000Z' } });
  });

  it('uses API_KEY_ROTATION_GRACE_SECONDS when no grace is given, and accepts 0', async () => {
    const t = setup();
    await t.useCase.execute(TENANT, 'old-key', {});
    await t.useCase.execute(TENANT, 'old-key', { grace_seconds: 0 });
    expect(t.keys.rotate.mock.calls.map((c) => c[3])).toEqual([DEFAULT_GRACE, 0]);
  });

  it("announces the old key's hash so caches re-read its expiry", async () => {
    const t = setup();
    await t.useCase.execute(TENANT, 'old-key', {});
    const [messages] = t.announcer.announce.mock.calls[0] as unknown as [Array<{ subject: string; data: Uint8Array }>];
    expect(messages.map((m) => [m.subject, JSON.parse(Buffer.from(m.data).toString())])).toEqual([[apiKeySubjects.revoked(TENANT), { key_hash: OLD.keyHash }]]);
  });

  it('answers NOT_FOUND for a key the tenant does not have', async () => {
    const t = setup({ outcome: 'not_found' });
    const err = await caughtPlatformError(t.useCase.execute(TENANT, 'other', {}));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.details).toEqual({ tenant_id: ADMIN_FIXTURE_TENANT_ID, key_id: 'other' });
    expect(t.announcer.announce).not.toHaveBeenCalled();
  });

  it('refuses to rotate a revoked key', async () => {
    const t = setup({ outcome: 'not_usable', key: apiKeyRow({ revokedAt: new Date() }) });
    const err = await caughtPlatformError(t.useCase.execute(TENANT, 'old-key', {}));
    expect(err.code).toBe('VALIDATION_ERROR');
    expect(err.details).toEqual({ key_id: 'old-key', state: 'revoked' });
  });
});
