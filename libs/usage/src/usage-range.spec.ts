import { resolveUsageRange } from './usage-range';

const at = (iso: string) => Date.parse(iso);
const NOW = at('2026-03-20T12:00:00Z');

describe('resolveUsageRange', () => {
  it('defaults to the current UTC month', () => {
    expect(resolveUsageRange(undefined, undefined, NOW)).toEqual({ ok: true, range: { fromMs: at('2026-03-01T00:00:00Z'), toMs: at('2026-04-01T00:00:00Z') } });
  });

  it('runs a lone from to the end of its month, and starts a lone to at the beginning of the month it ends in', () => {
    expect(resolveUsageRange(new Date('2026-01-15T00:00:00Z'), undefined, NOW)).toEqual({ ok: true, range: { fromMs: at('2026-01-15T00:00:00Z'), toMs: at('2026-02-01T00:00:00Z') } });
    expect(resolveUsageRange(undefined, new Date('2026-02-01T00:00:00Z'), NOW)).toEqual({ ok: true, range: { fromMs: at('2026-01-01T00:00:00Z'), toMs: at('2026-02-01T00:00:00Z') } });
  });

  it('refuses a range that ends before it starts, or longer than 366 days', () => {
    expect(resolveUsageRange(new Date('2026-02-01Z'), new Date('2026-02-01Z'), NOW)).toMatchObject({ ok: false, field: 'to' });
    expect(resolveUsageRange(new Date('2025-01-01Z'), new Date('2026-01-03Z'), NOW)).toMatchObject({ ok: false, field: 'to' });
    expect(resolveUsageRange(new Date('2025-01-01Z'), new Date('2026-01-02Z'), NOW)).toMatchObject({ ok: true });
  });
});
