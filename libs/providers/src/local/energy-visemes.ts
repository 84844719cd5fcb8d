import type { Viseme } from './viseme-track';

/**
 * Recorded audio → a mouth shape per frame, from loudness alone. Audio a client sent
 * comes without text, so the letters-to-shapes track has nothing to work on; how loud
 * each frame is still says when the mouth is closed, barely open or wide open, which
 * is what a viewer reads as "speaking in step with the voice".
 *
 * Per frame (the window of samples [i/fps, (i+1)/fps)) the RMS level in dBFS is put on
 * a ladder of increasingly open shapes, relative to the recording's loudest frame (so a
 * quiet microphone still moves the mouth through its range) but never relative to less
 * than `referenceFloorDb` (so a whisper is not drawn as a shout, and hiss stays
 * silence: with the defaults nothing under -50 dBFS opens the mouth). Two smoothings keep
 * it from flickering: a median of three frames (a click or a one-frame dip changes
 * nothing) and hysteresis (the mouth closes a step only once the level is
 * `hysteresisDb` below that step's threshold; it opens at once).
 */

export interface EnergyVisemeOptions {
  /**
   * The least loudness (dBFS) the ladder is measured from (default -26): the quietest
   * step ('nn', 24 dB under it) then needs -50 dBFS, so room noise and hiss stay 'sil'.
   */
  referenceFloorDb?: number;
  /** How far (dB) a level must fall below a step's threshold before the mouth closes past it (default 3). */
  hysteresisDb?: number;
}

/** The mouth shapes from barely open to wide open, and the level (dB below the reference) each needs. */
export const ENERGY_LADDER: ReadonlyArray<{ viseme: Viseme; fromDb: number }> = [
  { viseme: 'nn', fromDb: -24 },
  { viseme: 'E', fromDb: -15 },
  { viseme: 'O', fromDb: -9 },
  { viseme: 'aa', fromDb: -4 },
];

const DEFAULTS: Required<EnergyVisemeOptions> = { referenceFloorDb: -26, hysteresisDb: 3 };
const FULL_SCALE = 32768;

/** Frames covering the audio at `fps`: the same count the text track would give for its duration. */
export function frameCount(samples: number, sampleRate: number, fps: number): number {
  return Math.max(0, Math.ceil((samples * fps) / sampleRate - 1e-9));
}

/** The RMS level of each frame's window of PCM s16le mono, in dBFS (-Infinity for digital silence). */
export function frameRmsDb(pcm: Buffer, sampleRate: number, fps: number): number[] {
  const total = Math.floor(pcm.length / 2);
  const levels: number[] = [];
  for (let i = 0; i < frameCount(total, sampleRate, fps); i++) {
    const start = Math.min(total - 1, Math.round((i * sampleRate) / fps));
    const end = Math.max(start + 1, Math.min(total, Math.round(((i + 1) * sampleRate) / fps)));
    let sum = 0;
    for (let s = start; s < end; s++) {
      const v = pcm.readInt16LE(s * 2) / FULL_SCALE;
      sum += v * v;
    }
    levels.push(10 * Math.log10(sum / (end - start)));
  }
  return levels;
}

/** The mouth shape of each frame (one per 1/fps of audio). */
export function energyVisemes(pcm: Buffer, sampleRate: number, fps: number, options: EnergyVisemeOptions = {}): Viseme[] {
  const { referenceFloorDb, hysteresisDb } = { ...DEFAULTS, ...options };
  const levels = frameRmsDb(pcm, sampleRate, fps);
  const reference = levels.reduce((loudest, db) => Math.max(loudest, db), referenceFloorDb);
  const step = (db: number): number => {
    // Under the lowest step (digital silence, -Infinity, included) the mouth is closed.
    let reached = 0;
    ENERGY_LADDER.forEach((rung, k) => {
      if (db - reference >= rung.fromDb) reached = k + 1;
    });
    return reached;
  };
  const targets = median3(levels.map(step));
  let current = 0;
  return targets.map((target, i) => {
    if (target >= current) current = target;
    // Closing: only as far as the level is clearly (hysteresisDb) below the step it leaves.
    else current = Math.min(current, Math.max(target, step(levels[i] + hysteresisDb)));
    return current === 0 ? 'sil' : ENERGY_LADDER[current - 1].viseme;
  });
}

/** Each value replaced by the median of it and its two neighbours (the first and last keep their own value). */
function median3(values: number[]): number[] {
  return values.map((v, i) => {
    const a = values[i - 1] ?? v;
    const c = values[i + 1] ?? v;
    return Math.max(Math.min(a, v), Math.min(Math.max(a, v), c));
  });
}
