import { csvField, usageCsv } from './usage-csv';

describe('usageCsv', () => {
  it('writes a header named after the grouping and one line per group, seconds to the millisecond', () => {
    expect(usageCsv('day', [{ key: '2026-03-10', sessions: 2, duration_seconds: 74.701, billed_seconds: 76, spoken_seconds: 1.5 }])).toBe(
      'day,sessions,duration_seconds,billed_seconds,spoken_seconds\r\n2026-03-10,2,74.701,76,1.5\r\n',
    );
    expect(usageCsv('avatar', []).startsWith('avatar_id,')).toBe(true);
  });

  it('quotes fields with commas, quotes or line breaks, and defuses spreadsheet formulas', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('-1')).toBe("'-1");
    expect(csvField('avatar_1')).toBe('avatar_1');
  });
});
