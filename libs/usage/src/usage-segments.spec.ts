import { midnightsBetween, splitSession, utcDay, utcMonth } from './usage-segments';

const at = (iso: string) => Date.parse(iso);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const DAY = 86_400_000;

describe('splitSession', () => {
  it('leaves a session within one day whole, with its whole bill', () => {
    expect(splitSession({ startMs: at('2026-03-10T10:00:00.250Z'), endMs: at('2026-03-10T10:01:00.750Z'), billedSeconds: 61 })).toEqual([
      { startMs: at('2026-03-10T10:00:00.250Z'), endMs: at('2026-03-10T10:01:00.750Z'), billedSeconds: 61 },
    ]);
  });

  it('cuts a session over midnight at midnight: each day its exact time, the seconds completed in it, the rounding on the day it ended', () => {
    // 23:59:30.400 → 00:00:45.100: 74.7 s, billed 75 (per second, rounded up).
    const segments = splitSession({ startMs: at('2026-03-10T23:59:30.400Z'), endMs: at('2026-03-11T00:00:45.100Z'), billedSeconds: 75 });

    expect(segments).toEqual([
      // 29.6 s before midnight: seconds 1..29 of the session completed on the 10th.
      { startMs: at('2026-03-10T23:59:30.400Z'), endMs: at('2026-03-11T00:00:00.000Z'), billedSeconds: 29 },
      // The rest (45.1 s, plus the 0.6 s left of second 30): 46 s on the 11th.
      { startMs: at('2026-03-11T00:00:00.000Z'), endMs: at('2026-03-11T00:00:45.100Z'), billedSeconds: 46 },
    ]);
    expect(sum(segments.map((s) => s.endMs - s.startMs))).toBe(74_700);
    expect(sum(segments.map((s) => s.billedSeconds))).toBe(75);
  });

  it('puts a minimum charge in the segment the session ended in', () => {
    const segments = splitSession({ startMs: at('2026-03-10T23:59:58.000Z'), endMs: at('2026-03-11T00:00:03.000Z'), billedSeconds: 60 });

    expect(segments.map((s) => s.billedSeconds)).toEqual([2, 58]);
  });

  it('cuts a session over a month end (and a year end) at midnight', () => {
    const segments = splitSession({ startMs: at('2026-12-31T23:00:00.000Z'), endMs: at('2027-01-01T00:30:00.001Z'), billedSeconds: 5401 });

    expect(segments).toEqual([
      { startMs: at('2026-12-31T23:00:00.000Z'), endMs: at('2027-01-01T00:00:00.000Z'), billedSeconds: 3600 },
      { startMs: at('2027-01-01T00:00:00.000Z'), endMs: at('2027-01-01T00:30:00.001Z'), billedSeconds: 1801 },
    ]);
  });

  it('cuts a multi-day session at every midnight, and the parts add up exactly', () => {
    const startMs = at('2026-02-27T12:34:56.789Z');
    const endMs = at('2026-03-02T01:02:03.456Z');
    const billed = Math.ceil((endMs - startMs) / 1000);

    const segments = splitSession({ startMs, endMs, billedSeconds: billed });

    expect(segments.map((s) => utcDay(s.startMs))).toEqual(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
    expect(sum(segments.map((s) => s.endMs - s.startMs))).toBe(endMs - startMs);
    expect(sum(segments.map((s) => s.billedSeconds))).toBe(billed);
    // A full day in the middle is billed its 86,400 seconds.
    expect(segments[1].billedSeconds).toBe(86_400);
  });

  it('also cuts at extra points (a report range) without changing any second’s segment', () => {
    const span = { startMs: at('2026-03-10T23:00:00.500Z'), endMs: at('2026-03-11T01:00:00.000Z'), billedSeconds: 7200 };
    const cut = at('2026-03-11T00:30:00.000Z');

    const plain = splitSession(span);
    const cutToo = splitSession(span, [cut, at('2026-01-01T00:00:00Z')]);

    expect(cutToo.map((s) => s.startMs)).toEqual([span.startMs, at('2026-03-11T00:00:00Z'), cut]);
    expect(cutToo[0]).toEqual(plain[0]);
    expect(cutToo[1].billedSeconds + cutToo[2].billedSeconds).toBe(plain[1].billedSeconds);
  });

  it('bills each whole second of the session in the segment it completes in, also for segments that start and end mid-second', () => {
    // Cut at midnight and mid-day (a report range): the middle segments are 43200.25 s and 43199.75 s.
    const span = { startMs: at('2026-03-10T23:59:59.500Z'), endMs: at('2026-03-12T00:00:00.700Z'), billedSeconds: 86_402 };

    const segments = splitSession(span, [at('2026-03-11T12:00:00.250Z')]);

    expect(segments.map((s) => s.endMs - s.startMs)).toEqual([500, 43_200_250, 43_199_750, 700]);
    // Seconds 1..43200 complete before 12:00:00.250 (second 43200 at 11:59:59.500), 43201..86400 before midnight.
    expect(segments.map((s) => s.billedSeconds)).toEqual([0, 43_200, 43_200, 2]);
  });

  it('adds up exactly for any session and any cuts (1,000 pseudo-random cases)', () => {
    let seed = 42;
    const random = (n: number) => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31), seed % n);
    for (let i = 0; i < 1000; i++) {
      const startMs = at('2026-01-01T00:00:00Z') + random(60 * DAY);
      const endMs = startMs + random(3 * DAY);
      const minimum = random(2) === 0 ? 0 : random(600);
      const billedSeconds = Math.max(Math.ceil((endMs - startMs) / 1000), minimum);
      const cuts = Array.from({ length: random(4) }, () => startMs - DAY + random(5 * DAY));

      const segments = splitSession({ startMs, endMs, billedSeconds }, cuts);

      expect(sum(segments.map((s) => s.endMs - s.startMs))).toBe(endMs - startMs);
      expect(sum(segments.map((s) => s.billedSeconds))).toBe(billedSeconds);
      expect(segments.every((s) => s.billedSeconds >= 0)).toBe(true);
    }
  });

  it('bills a running session nothing, and counts its time', () => {
    const segments = splitSession({ startMs: at('2026-03-10T23:59:00Z'), endMs: at('2026-03-11T00:01:00Z'), billedSeconds: null });
    expect(segments.map((s) => [s.endMs - s.startMs, s.billedSeconds])).toEqual([[60_000, 0], [60_000, 0]]);
  });

  it('keeps a session of zero length as one segment with its bill (a minimum still applies)', () => {
    const t = at('2026-03-11T00:00:00Z');
    expect(splitSession({ startMs: t, endMs: t, billedSeconds: 30 })).toEqual([{ startMs: t, endMs: t, billedSeconds: 30 }]);
  });

  it('does not cut at a midnight the session starts or ends on', () => {
    const segments = splitSession({ startMs: at('2026-03-10T00:00:00Z'), endMs: at('2026-03-11T00:00:00Z'), billedSeconds: 86_400 });
    expect(segments).toHaveLength(1);
  });
});

describe('calendar helpers', () => {
  it('lists the midnights strictly inside a span', () => {
    expect(midnightsBetween(at('2026-03-10T00:00:00Z'), at('2026-03-12T00:00:00Z'))).toEqual([at('2026-03-11T00:00:00Z')]);
  });

  it('names the UTC month of a moment with its bounds, across a year end', () => {
    expect(utcMonth(at('2026-12-31T23:59:59.999Z'))).toEqual({ month: '2026-12', startMs: at('2026-12-01T00:00:00Z'), endMs: at('2027-01-01T00:00:00Z') });
  });
});
