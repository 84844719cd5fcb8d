import { resamplePcm } from './resample';
import { measuredFrequency, rms, sine } from './pcm-test-signals';

describe('resamplePcm', () => {
  const source = sine(440, 22_050, 1);

  it.each([8000, 16_000, 24_000, 44_100, 48_000])('keeps a 440 Hz tone at 440 Hz and its duration, 22050 → %i Hz', (rate) => {
    const out = resamplePcm(source, 22_050, rate);
    expect(out.length / 2).toBe(rate); // one second
    expect(measuredFrequency(out, rate)).toBeCloseTo(440, 0);
    // In the passband the level is kept.
    expect(rms(out) / rms(source)).toBeGreaterThan(0.97);
    expect(rms(out) / rms(source)).toBeLessThan(1.03);
  });

  it('keeps the tone when going up from 8 kHz', () => {
    const out = resamplePcm(sine(1000, 8000, 0.5), 8000, 48_000);
    expect(out.length / 2).toBe(24_000);
    expect(measuredFrequency(out, 48_000)).toBeCloseTo(1000, 0);
  });

  it('filters out what the lower rate cannot hold instead of folding it back as an alias', () => {
    // 6 kHz is above 8 kHz's Nyquist (4 kHz): undecimated it would come back as a 2 kHz whistle.
    const hiss = sine(6000, 22_050, 1);
    const out = resamplePcm(hiss, 22_050, 8000);
    expect(rms(out) / rms(hiss)).toBeLessThan(0.01);
  });

  it('returns a copy at the same rate and refuses rates outside 8–48 kHz', () => {
    expect(resamplePcm(source, 22_050, 22_050).equals(source)).toBe(true);
    expect(() => resamplePcm(source, 22_050, 4000)).toThrow(RangeError);
    expect(() => resamplePcm(source, 22_050, 96_000)).toThrow(RangeError);
    expect(resamplePcm(Buffer.alloc(0), 22_050, 16_000)).toHaveLength(0);
  });

  it('clips instead of wrapping around at full scale', () => {
    // A full-scale square wave overshoots when band-limited (Gibbs): it must saturate, not wrap.
    const square = Buffer.alloc(2000 * 2);
    for (let i = 0; i < 2000; i++) square.writeInt16LE(Math.floor(i / 50) % 2 ? 32767 : -32768, i * 2);
    const out = resamplePcm(square, 22_050, 48_000);
    let jumps = 0;
    for (let i = 1; i < out.length / 2; i++) if (Math.abs(out.readInt16LE(i * 2) - out.readInt16LE(i * 2 - 2)) > 40_000) jumps++;
    expect(jumps).toBe(0);
  });
});
