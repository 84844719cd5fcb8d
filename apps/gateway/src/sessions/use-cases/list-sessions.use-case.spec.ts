import { ListSessionsQuery, sessionCursor, TenantScopes } from '@avatar/contracts';
import type { SessionRow, SessionsRepository } from '@avatar/persistence';
import { sessionRow } from '@avatar/testing';
import { ListSessionsUseCase } from './list-sessions.use-case';

const TENANT = TenantScopes.ofRecord('tenant-1');
/** A query as the contract parses it (defaults filled in). */
const query = (q: Record<string, unknown> = {}): ListSessionsQuery => ListSessionsQuery.parse(q);

function setup(rows: SessionRow[], total: number) {
  const sessions = { list: jest.fn().mockResolvedValue({ rows, total }) };
  return { useCase: new ListSessionsUseCase(sessions as unknown as SessionsRepository), sessions };
}

afterEach(() => jest.useRealTimers());

describe('ListSessionsUseCase', () => {
  it('lists the tenant sessions with the filters, newest first by default, asking for one row more than the page', async () => {
    const t = setup([], 0);

    await t.useCase.execute(TENANT, query({ status: 'active', provider: 'local', from: '2026-03-01', to: '2026-03-02T12:00:00Z', limit: '10', offset: '20' }));

    expect(t.sessions.list).toHaveBeenCalledWith(TENANT, {
      status: 'active',
      provider: 'local',
      from: new Date('2026-03-01T00:00:00Z'),
      to: new Date('2026-03-02T12:00:00Z'),
      order: 'desc',
      after: undefined,
      limit: 11,
      offset: 20,
    });
  });

  it('sorts oldest first with sort=created_at and continues after the cursor’s row', async () => {
    const t = setup([], 0);
    const position = { createdAt: new Date('2026-03-01T10:00:00.123Z'), id: '11111111-1111-4111-8111-111111111111' };

    await t.useCase.execute(TENANT, query({ sort: 'created_at', cursor: sessionCursor.encode(position) }));

    expect(t.sessions.list.mock.calls[0][1]).toMatchObject({ order: 'asc', after: position });
  });

  it('answers the total of all matching sessions, and a cursor to the page after this one', async () => {
    const ids = ['a', 'b', 'c'].map((c) => `${c.repeat(8)}-aaaa-4aaa-8aaa-${'a'.repeat(12)}`);
    const rows = ids.map((id, i) => sessionRow({ id, createdAt: new Date(Date.UTC(2026, 2, 1, 0, 0, 3 - i)) }));
    const t = setup(rows, 57);

    const response = await t.useCase.execute(TENANT, query({ limit: '2' }));

    expect(response.total).toBe(57);
    expect(response.sessions.map((s) => s.session_id)).toEqual(ids.slice(0, 2));
    expect(sessionCursor.decode(response.next_cursor!)).toEqual({ createdAt: rows[1].createdAt, id: ids[1] });
  });

  it('answers no cursor on the last page', async () => {
    const t = setup([sessionRow({ id: 'a' })], 1);

    const response = await t.useCase.execute(TENANT, query({ limit: '2' }));

    expect(response.next_cursor).toBeNull();
  });

  it('summarises each session in order, with its final duration and bill once stopped and 0 before it started', async () => {
    const t = setup(
      [
        sessionRow({
          id: 'stopped-one',
          status: 'stopped',
          startedAt: new Date('2025-01-01T00:00:05.000Z'),
          endedAt: new Date('2025-01-01T00:00:35.000Z'),
          durationMs: 30_000,
          billedSeconds: 30,
          endReason: 'idle_timeout',
        }),
        sessionRow({ id: 'created-one' }),
      ],
      2,
    );

    const response = await t.useCase.execute(TENANT, query());

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
        billed_seconds: 30,
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
        billed_seconds: null,
      },
    ]);
  });

  it('counts an active session duration up to now', async () => {
    jest.useFakeTimers({ now: new Date('2025-01-01T00:02:00.000Z') });
    const t = setup([sessionRow({ id: 'live', status: 'active', startedAt: new Date('2025-01-01T00:00:30.000Z') })], 1);

    const response = await t.useCase.execute(TENANT, query());

    expect(response.sessions[0].duration).toBe(90);
  });
});

describe('ListSessionsQuery', () => {
  it('refuses a cursor the API did not issue, a range that ends before it starts, and an unknown sort', () => {
    for (const bad of [{ cursor: 'nope' }, { from: '2026-03-02', to: '2026-03-01' }, { sort: 'duration' }, { from: 'yesterday' }]) {
      expect(ListSessionsQuery.safeParse(bad).success).toBe(false);
    }
    expect(ListSessionsQuery.parse({})).toMatchObject({ sort: '-created_at', limit: 100, offset: 0 });
  });
});
