/** PCM s16le mono: two bytes a sample. */
export const BYTES_PER_SAMPLE = 2;

/** Seconds of audio in `pcm` at `sampleRate`. */
export function pcmDuration(pcm: Buffer, sampleRate: number): number {
  return Math.floor(pcm.length / BYTES_PER_SAMPLE) / sampleRate;
}

/**
 * Cuts PCM into pieces of `seconds` each (the last one shorter), on sample
 * boundaries: what a player or a vendor socket is fed piece by piece.
 */
export function chunkPcm(pcm: Buffer, sampleRate: number, seconds: number): Buffer[] {
  if (!(seconds > 0)) throw new RangeError(`chunk length must be positive, got ${seconds}`);
  const chunkBytes = Math.max(1, Math.round(seconds * sampleRate)) * BYTES_PER_SAMPLE;
  const usable = pcm.length - (pcm.length % BYTES_PER_SAMPLE);
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < usable; offset += chunkBytes) chunks.push(pcm.subarray(offset, Math.min(usable, offset + chunkBytes)));
  return chunks;
}
