import type { FastifyReply } from 'fastify';
import type { UsageResponse } from '@avatar/contracts';
import { renderUsage, wantsCsv } from './usage-format';

describe('wantsCsv', () => {
  it('follows format= first, then Accept: text/csv', () => {
    expect(wantsCsv('csv', undefined)).toBe(true);
    expect(wantsCsv('json', 'text/csv')).toBe(false);
    expect(wantsCsv(undefined, 'text/csv')).toBe(true);
    expect(wantsCsv(undefined, 'application/json, text/csv;q=0.5')).toBe(true);
    expect(wantsCsv(undefined, 'application/json')).toBe(false);
    expect(wantsCsv(undefined, 'text/csvx')).toBe(false);
    expect(wantsCsv(undefined, undefined)).toBe(false);
  });
});

describe('renderUsage', () => {
  const report: UsageResponse = {
    tenant_id: '11111111-1111-4111-8111-111111111111',
    from: '2026-03-01T00:00:00.000Z',
    to: '2026-04-01T00:00:00.000Z',
    group_by: 'provider',
    as_of: '2026-03-10T00:00:00.000Z',
    rows: [{ key: 'local', sessions: 2, duration_seconds: 61.5, billed_seconds: 62, spoken_seconds: 3.25 }],
    totals: { sessions: 2, duration_seconds: 61.5, billed_seconds: 62, spoken_seconds: 3.25 },
  };

  it('answers the JSON document as is', () => {
    const reply = { header: jest.fn() };
    expect(renderUsage(report, false, reply as unknown as FastifyReply)).toBe(report);
    expect(reply.header).not.toHaveBeenCalled();
  });

  it('answers the rows as a CSV attachment', () => {
    const reply = { header: jest.fn() };
    reply.header.mockReturnValue(reply);

    expect(renderUsage(report, true, reply as unknown as FastifyReply)).toBe('provider,sessions,duration_seconds,billed_seconds,spoken_seconds\r\nlocal,2,61.5,62,3.25\r\n');
    expect(reply.header).toHaveBeenCalledWith('content-type', 'text/csv; charset=utf-8');
    expect(reply.header).toHaveBeenCalledWith('content-disposition', 'attachment; filename="usage-2026-03-01-2026-04-01-provider.csv"');
  });
});
