import { TenantScopes } from '@avatar/contracts';
import type { UsageRepository } from '@avatar/persistence';
import type { UsageSession } from '@avatar/usage';
import { caughtPlatformError } from '@avatar/testing';
import { UsageReportUseCase } from './usage-report.use-case';

const TENANT = TenantScopes.ofRecord('11111111-1111-4111-8111-111111111111');
const NOW = new Date('2026-03-20T12:00:00.000Z');

function setup(pages: UsageSession[][]) {
  const usage = {
    now: jest.fn().mockResolvedValue(NOW),
    sessionsOverlapping: jest.fn(async function* () {
      for (const page of pages) yield page;
    }),
  };
  return { useCase: new UsageReportUseCase(usage as unknown as UsageRepository), usage };
}

const row = (id: string, start: string, durationMs: number | null, billedSeconds: number | null): UsageSession => ({
  id,
  provider: 'local',
  avatarId: 'avatar_1',
  startMs: Date.parse(start),
  durationMs,
  billedSeconds,
  tasks: [],
});

describe('UsageReportUseCase', () => {
  it('reports the current UTC month by default, reading only the scoped tenant’s sessions in it', async () => {
    const t = setup([]);

    const report = await t.useCase.execute(TENANT, { group_by: 'day' });

    expect(t.usage.sessionsOverlapping).toHaveBeenCalledWith(TENANT, new Date('2026-03-01T00:00:00Z'), new Date('2026-04-01T00:00:00Z'));
    expect(report).toEqual({
      tenant_id: TENANT,
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-04-01T00:00:00.000Z',
      group_by: 'day',
      as_of: NOW.toISOString(),
      rows: [],
      totals: { sessions: 0, duration_seconds: 0, billed_seconds: 0, spoken_seconds: 0 },
    });
  });

  it('adds up every page, splitting at midnight, in seconds to the millisecond; a running session up to the database’s now', async () => {
    const t = setup([
      [row('a', '2026-03-10T23:59:30.400Z', 74_700, 75)],
      [row('b', '2026-03-20T11:59:59.000Z', null, null)],
    ]);

    const report = await t.useCase.execute(TENANT, { group_by: 'day' });

    expect(report.rows).toEqual([
      { key: '2026-03-10', sessions: 1, duration_seconds: 29.6, billed_seconds: 29, spoken_seconds: 0 },
      { key: '2026-03-11', sessions: 1, duration_seconds: 45.1, billed_seconds: 46, spoken_seconds: 0 },
      { key: '2026-03-20', sessions: 1, duration_seconds: 1, billed_seconds: 0, spoken_seconds: 0 },
    ]);
    expect(report.totals).toEqual({ sessions: 2, duration_seconds: 75.7, billed_seconds: 75, spoken_seconds: 0 });
  });

  it('refuses a range that ends before it starts or spans more than 366 days, naming the field', async () => {
    const t = setup([]);

    const backwards = await caughtPlatformError(t.useCase.execute(TENANT, { group_by: 'day', from: new Date('2026-03-02Z'), to: new Date('2026-03-01Z') }));
    const tooLong = await caughtPlatformError(t.useCase.execute(TENANT, { group_by: 'day', from: new Date('2025-01-01Z'), to: new Date('2026-03-01Z') }));

    expect(backwards.code).toBe('VALIDATION_ERROR');
    expect(backwards.details).toEqual({ fields: [{ field: 'to', message: 'must be after from' }] });
    expect(tooLong.code).toBe('VALIDATION_ERROR');
    expect(t.usage.sessionsOverlapping).not.toHaveBeenCalled();
  });
});
