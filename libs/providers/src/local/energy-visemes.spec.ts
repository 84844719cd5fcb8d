import { ENERGY_LADDER, energyVisemes, frameCount, frameRmsDb } from './energy-visemes';

const RATE = 16_000;
const FPS = 25;
const PER_FRAME = RATE / FPS; // 640 samples

/** PCM s16le of `seconds`, each sample from `at(i)`. */
function pcmOf(seconds: number, at: (sample: number) => number): Buffer {
  const samples = Math.round(seconds * RATE);
  const pcm = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) pcm.writeInt16LE(Math.round(at(i)), i * 2);
  return pcm;
}

/** A 200 Hz square wave of amplitude `amp`: its RMS is `amp` over any window. */
const square = (amp: number) => (i: number) => (Math.floor((i * 200 * 2) / RATE) % 2 === 0 ? amp : -amp);
/** The amplitude of a square wave `db` below 0 dBFS. */
const ampAt = (db: number) => 32768 * 10 ** (db / 20);
/** A square wave whose level (dBFS) the frame decides. */
const byFrame = (dbOf: (frame: number) => number) => (i: number) => {
  const db = dbOf(Math.floor(i / PER_FRAME));
  return Number.isFinite(db) ? square(ampAt(db))(i) : 0;
};

describe('frameRmsDb', () => {
  it('measures each frame window in dBFS, -Infinity for digital silence', () => {
    const pcm = pcmOf(0.2, (i) => (i < 2 * PER_FRAME ? square(16384)(i) : 0));
    const levels = frameRmsDb(pcm, RATE, FPS);
    expect(levels).toHaveLength(5);
    expect(levels[0]).toBeCloseTo(-6.02, 2);
    expect(levels[1]).toBeCloseTo(-6.02, 2);
    expect(levels.slice(2)).toEqual([-Infinity, -Infinity, -Infinity]);
  });

  it('covers a last partial frame', () => {
    expect(frameCount(PER_FRAME * 3 + 1, RATE, FPS)).toBe(4);
    expect(frameCount(PER_FRAME * 3, RATE, FPS)).toBe(3);
    expect(frameRmsDb(pcmOf((PER_FRAME * 3 + 10) / RATE, square(1000)), RATE, FPS)).toHaveLength(4);
  });
});

describe('energyVisemes', () => {
  it('keeps the mouth closed through silence, one shape per frame', () => {
    const visemes = energyVisemes(pcmOf(2, () => 0), RATE, FPS);
    expect(visemes).toHaveLength(50);
    expect(visemes.every((v) => v === 'sil')).toBe(true);
  });

  it('keeps it closed through hiss (nothing under -50 dBFS opens the mouth)', () => {
    let seed = 7;
    const hiss = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 200; // ±100: about -55 dBFS RMS
    expect(energyVisemes(pcmOf(1, hiss), RATE, FPS).every((v) => v === 'sil')).toBe(true);
  });

  it('opens wide for a loud tone', () => {
    const visemes = energyVisemes(pcmOf(1, square(8000)), RATE, FPS);
    expect(visemes).toHaveLength(25);
    expect(visemes.every((v) => v === 'aa')).toBe(true);
  });

  it('opens the mouth further as the audio gets louder', () => {
    // Five frames each at 30, 20, 12, 6 and 0 dB below the loudest (-10 dBFS).
    const steps = [-40, -30, -22, -16, -10];
    const visemes = energyVisemes(pcmOf(1, byFrame((f) => steps[Math.floor(f / 5)])), RATE, FPS);
    expect(visemes).toEqual(['sil', 'nn', 'E', 'O', 'aa'].flatMap((v) => Array(5).fill(v)));
    expect(ENERGY_LADDER.map((r) => r.viseme)).toEqual(['nn', 'E', 'O', 'aa']);
  });

  it('does not open a quiet recording all the way (the reference has a floor)', () => {
    // A tone at -40 dBFS is 14 dB under the -26 dBFS floor: a half-open mouth.
    expect(new Set(energyVisemes(pcmOf(1, square(ampAt(-40))), RATE, FPS))).toEqual(new Set(['E']));
  });

  it('moves the mouth only while a burst in the middle of silence sounds, give or take a frame', () => {
    // 2 s; a tone from 0.81 s to 1.21 s: it starts and ends inside frames 20 and 30.
    const pcm = pcmOf(2, (i) => (i >= 0.81 * RATE && i < 1.21 * RATE ? square(8000)(i) : 0));
    const visemes = energyVisemes(pcm, RATE, FPS);
    expect(visemes).toHaveLength(50);
    const moving = visemes.flatMap((v, i) => (v === 'sil' ? [] : [i]));
    expect(moving.length).toBeGreaterThan(0);
    expect(Math.min(...moving)).toBeGreaterThanOrEqual(20 - 1);
    expect(Math.max(...moving)).toBeLessThanOrEqual(30 + 1);
    // The frames wholly inside the burst are open.
    expect(visemes.slice(21, 30).every((v) => v !== 'sil')).toBe(true);
  });

  it('ignores a click shorter than a frame', () => {
    const pcm = pcmOf(1, (i) => (i >= 10 * PER_FRAME + 100 && i < 10 * PER_FRAME + 400 ? square(20000)(i) : 0));
    expect(energyVisemes(pcm, RATE, FPS).every((v) => v === 'sil')).toBe(true);
  });

  it('holds its shape while the level wobbles around a step (no frame-by-frame flicker)', () => {
    // The loudest part first (the reference), then the level alternates between 8 and 10 dB
    // below it: either side of the 'O' step (-9 dB) but within the hysteresis.
    const pcm = pcmOf(1, byFrame((f) => (f < 5 ? -10 : f % 2 === 0 ? -18 : -20)));
    const visemes = energyVisemes(pcm, RATE, FPS);
    expect(visemes.slice(0, 5)).toEqual(Array(5).fill('aa'));
    expect(visemes.slice(5)).toEqual(Array(20).fill('O'));
    // It still closes when the level falls clearly below the step.
    const falling = energyVisemes(pcmOf(1, byFrame((f) => (f < 5 ? -10 : f < 10 ? -18 : -24))), RATE, FPS);
    expect(falling.slice(10)).toEqual(Array(15).fill('E'));
  });

  it('gives nothing for no audio', () => {
    expect(energyVisemes(Buffer.alloc(0), RATE, FPS)).toEqual([]);
  });
});
