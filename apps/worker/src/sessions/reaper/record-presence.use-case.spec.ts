import { TenantScopes } from '@avatar/contracts';
import type { SessionsRepository } from '@avatar/persistence';
import { RecordPresenceUseCase } from './record-presence.use-case';

const A = TenantScopes.ofRecord('11111111-1111-4111-8111-111111111111');
const B = TenantScopes.ofRecord('22222222-2222-4222-8222-222222222222');
const S = 'abcdef33-3333-4333-8333-333333333333';

function setup() {
  const sessions = { recordPresence: jest.fn(async (seen: unknown[]) => seen.length) };
  return { useCase: new RecordPresenceUseCase(sessions as unknown as SessionsRepository), sessions };
}

describe('RecordPresenceUseCase', () => {
  it('records each watched session once per batch, with its tenant', async () => {
    const t = setup();
    await t.useCase.execute([
      { tenantId: A, sessionId: S },
      { tenantId: A, sessionId: S },
      { tenantId: B, sessionId: S },
    ]);
    expect(t.sessions.recordPresence).toHaveBeenCalledWith([
      { tenantId: A, sessionId: S },
      { tenantId: B, sessionId: S },
    ]);
  });

  it('drops ids that cannot be a session’s and skips the database when nothing is left', async () => {
    const t = setup();
    await expect(t.useCase.execute([{ tenantId: A, sessionId: S.toUpperCase() }, { tenantId: TenantScopes.ofRecord('x'), sessionId: S }])).resolves.toBe(0);
    expect(t.sessions.recordPresence).not.toHaveBeenCalled();
  });
});
