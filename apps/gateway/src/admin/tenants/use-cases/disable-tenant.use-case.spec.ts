import { apiKeySubjects, TenantScopes, tenantSubjects } from '@avatar/contracts';
import type { SessionsRepository, TenantAdminRepository } from '@avatar/persistence';
import type { Announcer } from '@avatar/tenancy';
import { ADMIN_FIXTURE_TENANT_ID, caughtPlatformError, tenantRow } from '@avatar/testing';
import type { StopSessionUseCase } from '../../../sessions/use-cases/stop-session.use-case';
import type { AdminAudit } from '../../common/admin-audit';
import { DisableTenantUseCase } from './disable-tenant.use-case';

const TENANT = TenantScopes.administered(ADMIN_FIXTURE_TENANT_ID);
const DISABLED = tenantRow({ status: 'disabled', disabledAt: new Date('2025-02-01T00:00:00.000Z') });

/** The sessions each pass of the disable ends (the repository's stopLive), by id. */
function setup(livePasses: string[][] = [[]]) {
  const calls: string[] = [];
  const passes = [...livePasses];
  const tenants = { setStatus: jest.fn(async () => (calls.push('db:disabled'), DISABLED)) };
  const sessions = {
    stopLive: jest.fn(async (_t: unknown, reason: string) =>
      (passes.shift() ?? []).map((sessionId) => ({ tenantId: TENANT, sessionId, reason, durationMs: 1000, billedSeconds: 1, endedAt: new Date() })),
    ),
  };
  const stopSession = { finish: jest.fn(async (_t: unknown, ended: { sessionId: string }) => void calls.push(`stop:${ended.sessionId}`)) };
  const announcer = { announce: jest.fn(async (messages: Array<{ subject: string; data: Uint8Array }>) => void calls.push(...messages.map((m) => `announce:${m.subject}:${Buffer.from(m.data).toString()}`))) };
  const audit = { record: jest.fn() };
  const useCase = new DisableTenantUseCase(
    tenants as unknown as TenantAdminRepository,
    sessions as unknown as SessionsRepository,
    stopSession as unknown as StopSessionUseCase,
    announcer as Announcer,
    audit as unknown as AdminAudit,
  );
  return { useCase, tenants, sessions, stopSession, announcer, audit, calls };
}

afterEach(() => jest.restoreAllMocks());

describe('DisableTenantUseCase', () => {
  it('marks the tenant disabled in the database, then tells every gateway to drop its keys and settings, then stops its sessions', async () => {
    const t = setup([['s1', 's2']]);

    const answer = await t.useCase.execute(TENANT);

    expect(t.tenants.setStatus).toHaveBeenCalledWith(TENANT, 'disabled');
    expect(t.calls).toEqual([
      'db:disabled',
      `announce:${apiKeySubjects.revoked(TENANT)}:{"all_keys":true}`,
      `announce:${tenantSubjects.changed(TENANT)}:`,
      'stop:s1',
      'stop:s2',
    ]);
    expect(answer).toMatchObject({ id: ADMIN_FIXTURE_TENANT_ID, status: 'disabled', disabled_at: '2025-02-01T00:00:00.000Z', sessions_stopped: 2 });
  });

  it('stops each session with end reason tenant_disabled, in the tenant scope', async () => {
    const t = setup([['s1']]);
    await t.useCase.execute(TENANT);
    expect(t.sessions.stopLive).toHaveBeenCalledWith(TENANT, 'tenant_disabled');
    expect(t.stopSession.finish).toHaveBeenCalledWith(TENANT, expect.objectContaining({ sessionId: 's1', reason: 'tenant_disabled' }));
  });

  it('looks again for sessions created while it stopped the first ones (a request already past authentication)', async () => {
    const t = setup([['s1'], ['late'], []]);
    const answer = await t.useCase.execute(TENANT);
    expect(t.stopSession.finish.mock.calls.map((c) => c[1].sessionId)).toEqual(['s1', 'late']);
    expect(answer.sessions_stopped).toBe(2);
  });

  it('audits the disable with the number of sessions stopped', async () => {
    const t = setup([['s1']]);
    await t.useCase.execute(TENANT);
    expect(t.audit.record).toHaveBeenCalledWith('tenant.disable', TENANT, { sessions_stopped: 1 });
  });

  it('answers NOT_FOUND for an unknown tenant, announcing and stopping nothing', async () => {
    const t = setup();
    t.tenants.setStatus.mockResolvedValue(null as never);

    const err = await caughtPlatformError(t.useCase.execute(TENANT));

    expect(err.code).toBe('NOT_FOUND');
    expect(err.details).toEqual({ tenant_id: ADMIN_FIXTURE_TENANT_ID });
    expect(t.announcer.announce).not.toHaveBeenCalled();
    expect(t.sessions.stopLive).not.toHaveBeenCalled();
    expect(t.audit.record).not.toHaveBeenCalled();
  });
});
