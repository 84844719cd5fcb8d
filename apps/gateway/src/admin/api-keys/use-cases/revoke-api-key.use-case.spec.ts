import { apiKeySubjects, TenantScopes } from '@avatar/contracts';
import type { ApiKeysRepository } from '@avatar/persistence';
import type { Announcer } from '@avatar/tenancy';
import { ADMIN_FIXTURE_TENANT_ID, apiKeyRow, caughtPlatformError } from '@avatar/testing';
import type { AdminAudit } from '../../common/admin-audit';
import { RevokeApiKeyUseCase } from './revoke-api-key.use-case';

const TENANT = TenantScopes.administered(ADMIN_FIXTURE_TENANT_ID);
const REVOKED = apiKeyRow({ keyHash: 'b'.repeat(64), revokedAt: new Date('2025-01-05T00:00:00.000Z') });

function setup(row: typeof REVOKED | null = REVOKED) {
  const calls: string[] = [];
  const keys = { revoke: jest.fn(async () => (calls.push('db'), row)) };
  const announcer = { announce: jest.fn(async () => void calls.push('announce')) };
  const audit = { record: jest.fn() };
  const useCase = new RevokeApiKeyUseCase(keys as unknown as ApiKeysRepository, announcer as unknown as Announcer, audit as unknown as AdminAudit);
  return { useCase, keys, announcer, audit, calls };
}

describe('RevokeApiKeyUseCase', () => {
  it('revokes in the database, then announces the hash so every gateway drops the key', async () => {
    const t = setup();

    const answer = await t.useCase.execute(TENANT, REVOKED.id);

    expect(t.keys.revoke).toHaveBeenCalledWith(TENANT, REVOKED.id);
    expect(t.calls).toEqual(['db', 'announce']);
    const [messages] = t.announcer.announce.mock.calls[0] as unknown as [Array<{ subject: string; data: Uint8Array }>];
    expect(messages.map((m) => [m.subject, JSON.parse(Buffer.from(m.data).toString())])).toEqual([[apiKeySubjects.revoked(TENANT), { key_hash: REVOKED.keyHash }]]);
    expect(answer).toMatchObject({ id: REVOKED.id, revoked_at: '2025-01-05T00:00:00.000Z' });
    expect(t.audit.record).toHaveBeenCalledWith('api_key.revoke', TENANT, { key_id: REVOKED.id });
  });

  it('answers NOT_FOUND for a key of another tenant, announcing nothing', async () => {
    const t = setup(null);
    expect((await caughtPlatformError(t.useCase.execute(TENANT, 'foreign'))).code).toBe('NOT_FOUND');
    expect(t.announcer.announce).not.toHaveBeenCalled();
  });
});
