/** Test signals and measurements for the PCM specs (not exported from the library). */

export function sine(frequency: number, sampleRate: number, seconds: number, amplitude = 10_000): Buffer {
  const count = Math.round(sampleRate * seconds);
  const pcm = Buffer.alloc(count * 2);
  for (let i = 0; i < count; i++) pcm.writeInt16LE(Math.round(amplitude * Math.sin((2 * Math.PI * frequency * i) / sampleRate)), i * 2);
  return pcm;
}

export function samplesOf(pcm: Buffer): number[] {
  return Array.from({ length: Math.floor(pcm.length / 2) }, (_, i) => pcm.readInt16LE(i * 2));
}

/** Frequency from upward zero crossings, over the middle of the signal (the edges ring). */
export function measuredFrequency(pcm: Buffer, sampleRate: number): number {
  const s = samplesOf(pcm);
  const from = Math.floor(s.length * 0.1);
  const to = Math.floor(s.length * 0.9);
  const crossings: number[] = [];
  for (let i = from + 1; i < to; i++) if (s[i - 1] < 0 && s[i] >= 0) crossings.push(i - s[i] / (s[i] - s[i - 1]));
  return ((crossings.length - 1) * sampleRate) / (crossings[crossings.length - 1] - crossings[0]);
}

/** Root mean square over the middle 80 % of the signal. */
export function rms(pcm: Buffer): number {
  const s = samplesOf(pcm);
  const middle = s.slice(Math.floor(s.length * 0.1), Math.floor(s.length * 0.9));
  return Math.sqrt(middle.reduce((sum, v) => sum + v * v, 0) / middle.length);
}
