import { UsageReport, UsageSession } from './usage-report';

const at = (iso: string) => Date.parse(iso);

function session(overrides: Partial<UsageSession> & { start: string; end?: string; billed?: number | null }): UsageSession {
  const startMs = at(overrides.start);
  const durationMs = overrides.end ? at(overrides.end) - startMs : null;
  return {
    id: 's',
    provider: 'local',
    avatarId: 'avatar_1',
    startMs,
    durationMs,
    billedSeconds: overrides.billed !== undefined ? overrides.billed : durationMs === null ? null : Math.ceil(durationMs / 1000),
    tasks: [],
    ...overrides,
  };
}

const MARCH = { fromMs: at('2026-03-01T00:00:00Z'), toMs: at('2026-04-01T00:00:00Z') };
const NOW = at('2026-03-20T12:00:00Z');

describe('UsageReport', () => {
  it('adds up sessions per UTC day, a session over midnight on both days, to the millisecond', () => {
    const report = new UsageReport(MARCH, 'day', NOW);
    report.add(session({ id: 'a', start: '2026-03-10T23:59:30.400Z', end: '2026-03-11T00:00:45.100Z' }));
    report.add(session({ id: 'b', start: '2026-03-11T08:00:00.000Z', end: '2026-03-11T08:00:10.001Z' }));

    expect(report.rows()).toEqual([
      { key: '2026-03-10', sessions: 1, durationMs: 29_600, billedSeconds: 29, spokenMs: 0 },
      { key: '2026-03-11', sessions: 2, durationMs: 45_100 + 10_001, billedSeconds: 46 + 11, spokenMs: 0 },
    ]);
    expect(report.totals()).toEqual({ sessions: 2, durationMs: 74_700 + 10_001, billedSeconds: 75 + 11, spokenMs: 0 });
  });

  it('counts only the part inside the range: a session over a month end in each month, their sums equal to the session', () => {
    const overMonthEnd = session({ start: '2026-02-28T23:59:00.500Z', end: '2026-03-01T00:01:00.000Z', billed: 120 });
    const february = new UsageReport({ fromMs: at('2026-02-01T00:00:00Z'), toMs: MARCH.fromMs }, 'day', NOW);
    const march = new UsageReport(MARCH, 'day', NOW);

    february.add(overMonthEnd);
    march.add(overMonthEnd);

    expect(february.totals()).toEqual({ sessions: 1, durationMs: 59_500, billedSeconds: 59, spokenMs: 0 });
    expect(march.totals()).toEqual({ sessions: 1, durationMs: 60_000, billedSeconds: 61, spokenMs: 0 });
  });

  it('leaves out sessions outside the range, including one that ended exactly at its start', () => {
    const report = new UsageReport(MARCH, 'day', NOW);
    report.add(session({ start: '2026-02-28T23:00:00Z', end: '2026-03-01T00:00:00Z' }));
    report.add(session({ start: '2026-04-01T00:00:00Z', end: '2026-04-01T00:10:00Z' }));

    expect(report.rows()).toEqual([]);
    expect(report.totals().sessions).toBe(0);
  });

  it('counts a running session up to now in duration, not in billed seconds', () => {
    const report = new UsageReport(MARCH, 'day', NOW);
    report.add(session({ start: '2026-03-20T11:59:00.000Z' }));

    expect(report.rows()).toEqual([{ key: '2026-03-20', sessions: 1, durationMs: 60_000, billedSeconds: 0, spokenMs: 0 }]);
  });

  it('groups by provider or avatar, a session once however many days it spans', () => {
    const sessions = [
      session({ id: 'a', provider: 'local', avatarId: 'x', start: '2026-03-10T23:00:00Z', end: '2026-03-11T01:00:00Z' }),
      session({ id: 'b', provider: 'heygen', avatarId: 'x', start: '2026-03-12T10:00:00Z', end: '2026-03-12T10:00:30Z' }),
    ];
    const byProvider = new UsageReport(MARCH, 'provider', NOW);
    const byAvatar = new UsageReport(MARCH, 'avatar', NOW);
    sessions.forEach((s) => (byProvider.add(s), byAvatar.add(s)));

    expect(byProvider.rows()).toEqual([
      { key: 'heygen', sessions: 1, durationMs: 30_000, billedSeconds: 30, spokenMs: 0 },
      { key: 'local', sessions: 1, durationMs: 7_200_000, billedSeconds: 7200, spokenMs: 0 },
    ]);
    expect(byAvatar.rows()).toEqual([{ key: 'x', sessions: 2, durationMs: 7_230_000, billedSeconds: 7230, spokenMs: 0 }]);
  });

  it('splits spoken time by each task’s own time, at midnight and at the range', () => {
    const report = new UsageReport({ fromMs: at('2026-03-10T00:00:00Z'), toMs: at('2026-03-11T00:00:30Z') }, 'day', NOW);
    report.add(
      session({
        start: '2026-03-10T23:58:00Z',
        end: '2026-03-11T00:02:00Z',
        tasks: [
          { startMs: at('2026-03-10T23:59:50.000Z'), endMs: at('2026-03-11T00:00:40.250Z') },
          { startMs: at('2026-03-10T23:58:01.000Z'), endMs: at('2026-03-10T23:58:03.500Z') },
        ],
      }),
    );

    expect(report.rows().map((r) => [r.key, r.spokenMs, r.durationMs])).toEqual([
      ['2026-03-10', 10_000 + 2_500, 120_000],
      ['2026-03-11', 30_000, 30_000],
    ]);
  });
});
