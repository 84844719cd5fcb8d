import { Logger } from '@nestjs/common';
import { TenantScopes } from '@avatar/contracts';
import type { EndedSession, MonthStanding, SessionsRepository, UsageRepository, WebhookOutboxRepository } from '@avatar/persistence';
import type { EventPublisher } from '@avatar/messaging';
import { fakeEventPublisher } from '@avatar/testing';
import type { ProviderConnections } from '../providers/provider-connections';
import type { StopProviderSessionUseCase } from '../sessions/use-cases/stop-provider-session.use-case';
import { EnforceMonthlyQuotasUseCase } from './enforce-monthly-quotas.use-case';

const A = TenantScopes.ofRecord('11111111-1111-4111-8111-111111111111');
const B = TenantScopes.ofRecord('22222222-2222-4222-8222-222222222222');

const standing = (tenantId: typeof A, usedMs: number, budgetMs = 60_000, running = 1): MonthStanding => ({ tenantId, month: '2026-03', usedMs, budgetMs, running });
const ended = (sessionId: string): EndedSession => ({ tenantId: A, sessionId, reason: 'quota_exhausted', durationMs: 2_500, billedSeconds: 3, endedAt: new Date('2026-03-10T00:00:00Z') });

function setup(options: { tenants?: Array<{ tenantId: typeof A; quotas: unknown }>; standings?: MonthStanding[]; ended?: EndedSession[] } = {}) {
  const usage = {
    tenantsWithBudget: jest.fn().mockResolvedValue(options.tenants ?? [{ tenantId: A, quotas: { monthly_minutes: 1 } }]),
    monthStandings: jest.fn().mockResolvedValue(options.standings ?? []),
  };
  const sessions = { stopRunning: jest.fn().mockResolvedValue(options.ended ?? []) };
  const outbox = { record: jest.fn().mockResolvedValue([]) };
  const order: string[] = [];
  const stopSession = { execute: jest.fn(async (scope: { sessionId: string }) => void order.push(`stop ${scope.sessionId}`)) };
  const connections = { close: jest.fn().mockResolvedValue(undefined) };
  const events = fakeEventPublisher();
  events.publish.mockImplementation(async (scope, event) => {
    order.push(`${event.type} ${scope.sessionId}`);
    events.published.push({ scope, event });
    return 1;
  });
  const useCase = new EnforceMonthlyQuotasUseCase(
    usage as unknown as UsageRepository,
    sessions as unknown as SessionsRepository,
    outbox as unknown as WebhookOutboxRepository,
    stopSession as unknown as StopProviderSessionUseCase,
    connections as unknown as ProviderConnections,
    events as unknown as EventPublisher,
  );
  return { useCase, usage, sessions, outbox, stopSession, connections, events, order };
}

beforeEach(() => {
  jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

describe('EnforceMonthlyQuotasUseCase', () => {
  it('measures the tenants with a budget, read as the gateway reads them (a malformed quota falls back to the default: none)', async () => {
    const t = setup({
      tenants: [
        { tenantId: A, quotas: { monthly_minutes: 2 } },
        { tenantId: B, quotas: { monthly_minutes: -5 } },
      ],
    });

    await t.useCase.execute();

    expect(t.usage.tenantsWithBudget).toHaveBeenCalledWith(false);
    expect(t.usage.monthStandings).toHaveBeenCalledWith([{ tenantId: A, budgetMs: 120_000 }]);
  });

  it('does nothing below 80 % of the budget', async () => {
    const t = setup({ standings: [standing(A, 47_999)] });

    await expect(t.useCase.execute()).resolves.toEqual({ warned: [], exhausted: [], stopped: [] });
    expect(t.outbox.record).not.toHaveBeenCalled();
    expect(t.sessions.stopRunning).not.toHaveBeenCalled();
  });

  it('records quota.warning for the month at 80 %, once per month by its key, and stops nothing', async () => {
    const t = setup({ standings: [standing(A, 48_000)] });

    await expect(t.useCase.execute()).resolves.toMatchObject({ warned: [A], exhausted: [] });

    expect(t.outbox.record).toHaveBeenCalledTimes(1);
    expect(t.outbox.record).toHaveBeenCalledWith(A, {
      type: 'quota.warning',
      key: 'quota.warning:2026-03',
      payload: { tenant_id: A, month: '2026-03', used_seconds: 48, budget_seconds: 60 },
    });
    expect(t.sessions.stopRunning).not.toHaveBeenCalled();
  });

  it('at 100 %: records quota.exhausted, ends the tenant’s running sessions as quota_exhausted, drops their tasks, then announces each session.stopped with its bill', async () => {
    const t = setup({ standings: [standing(A, 60_000), standing(B, 1_000)], ended: [ended('s1'), ended('s2')] });

    const result = await t.useCase.execute();

    expect(result.exhausted).toEqual([A]);
    expect(result.stopped.map((e) => e.sessionId)).toEqual(['s1', 's2']);
    expect(t.outbox.record).toHaveBeenCalledWith(A, expect.objectContaining({ type: 'quota.exhausted', key: 'quota.exhausted:2026-03' }));
    expect(t.sessions.stopRunning).toHaveBeenCalledTimes(1);
    expect(t.sessions.stopRunning).toHaveBeenCalledWith(A, 'quota_exhausted');
    expect(t.stopSession.execute).toHaveBeenCalledWith({ tenantId: A, sessionId: 's1' }, { reason: 'quota_exhausted' });
    expect(t.connections.close).toHaveBeenCalledWith('s2');
    expect(t.order).toEqual(['stop s1', 'session.stopped s1', 'stop s2', 'session.stopped s2']);
    expect(t.events.published[0].event).toEqual({ type: 'session.stopped', duration: 2.5, billed_seconds: 3, reason: 'quota_exhausted' });
  });

  it('does not run the ending statement for an exhausted tenant with no running session', async () => {
    const t = setup({ standings: [standing(A, 90_000, 60_000, 0)] });

    await t.useCase.execute();

    expect(t.outbox.record).toHaveBeenCalledWith(A, expect.objectContaining({ type: 'quota.exhausted' }));
    expect(t.sessions.stopRunning).not.toHaveBeenCalled();
  });

  it('announces nothing for sessions another worker ended first (the ending statement returned none)', async () => {
    const t = setup({ standings: [standing(A, 60_000)], ended: [] });

    await t.useCase.execute();

    expect(t.stopSession.execute).not.toHaveBeenCalled();
    expect(t.events.publish).not.toHaveBeenCalled();
  });
});
