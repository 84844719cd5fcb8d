import type { SessionRow, SessionsRepository } from '@avatar/persistence';
import { sessionRow } from '@avatar/testing';
import { ListSessionsUseCase } from './list-sessions.use-case';

const TENANT = 'tenant-1';

function setup(rows: SessionRow[], total: number) {
  const sessions = { list: jest.fn().mockResolvedValue({ rows, total }) };
  return { useCase: new ListSessionsUseCase(sessions as unknown as SessionsRepository), sessions };
}

afterEach(() => jest.useRealTimers());

describe('ListSessionsUseCase', () => {
  it('lists the tenant sessions with the query filter and paging', async () => {
    const t = setup([], 0);
    const query = { status: 'active' as const, limit: 10, offset: 20 };

    await t.useCase.execute(TENANT, query);

    expect(t.sessions.list).toHaveBeenCalledWith(TENANT, query);
  });

  it('answers the total of all matching sessions, not just the page', async () => {
    const t = setup([sessionRow({ id: 'a' })], 57);

    const response = await t.useCase.execute(TENANT, { limit: 1, offset: 0 });

    expect(response.total).toBe(57);
    expect(response.sessions).toHaveLength(1);
  });

  it('summarises each session in order, with its final duration once stopped and 0 before it started', async () => {
    const t = setup(
      [
        sessionRow({
          id: 'stopped-one',
          status: 'stopped',
          startedAt: new Date('2025-01-01T00:00:05.000Z'),
          endedAt: new Date('2025-01-01T00:00:35.000Z'),
          durationMs: 30_000,
          endReason: 'idle_timeout',
        }),
        sessionRow({ id: 'created-one' }),
      ],
      2,
    );

    const response = await t.useCase.execute(TENANT, { limit: 100, offset: 0 });

    expect(response.sessions).toEqual([
      {
        session_id: 'stopped-one',
        status: 'stopped',
        provider: 'local',
        created_at: '2025-01-01T00:00:00.000Z',
        started_at: '2025-01-01T00:00:05.000Z',
        ended_at: '2025-01-01T00:00:35.000Z',
        duration: 30,
        end_reason: 'idle_timeout',
      },
      {
        session_id: 'created-one',
        status: 'created',
        provider: 'local',
        created_at: '2025-01-01T00:00:00.000Z',
        started_at: null,
        ended_at: null,
        duration: 0,
        end_reason: null,
      },
    ]);
  });

  it('counts an active session duration up to now', async () => {
    jest.useFakeTimers({ now: new Date('2025-01-01T00:02:00.000Z') });
    const t = setup([sessionRow({ id: 'live', status: 'active', startedAt: new Date('2025-01-01T00:00:30.000Z') })], 1);

    const response = await t.useCase.execute(TENANT, { limit: 100, offset: 0 });

    expect(response.sessions[0].duration).toBe(90);
  });
});
