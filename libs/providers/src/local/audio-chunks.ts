/**
 * The local provider's audio as the client receives it: the synthesized PCM s16le
 * mono cut into pieces of about a second, each a small standalone WAV (base64), so a
 * player can start on the first piece and an interrupt drops only what is unsent.
 *
 * Deliberately self-contained (no runtime import of @avatar/tts): @avatar/tts imports
 * @avatar/providers at runtime (ProviderError), so this side may only import its types.
 */

export interface AudioChunk {
  /** Seconds from the start of the speech where this piece begins. */
  start: number;
  /** Seconds of audio in this piece. */
  duration: number;
  /** A RIFF WAV of the piece, base64. */
  wav: string;
}

export function audioChunks(pcm: Buffer, sampleRate: number, chunkSeconds: number): AudioChunk[] {
  const samplesPerChunk = Math.max(1, Math.round(chunkSeconds * sampleRate));
  const total = Math.floor(pcm.length / 2);
  const chunks: AudioChunk[] = [];
  for (let first = 0; first < total; first += samplesPerChunk) {
    const count = Math.min(samplesPerChunk, total - first);
    chunks.push({
      start: first / sampleRate,
      duration: count / sampleRate,
      wav: wavOf(pcm.subarray(first * 2, (first + count) * 2), sampleRate).toString('base64'),
    });
  }
  return chunks;
}

/**
 * Where the voice is in the audio: engines pad speech with silence (espeak-ng ends
 * each sentence with a pause), and a mouth that moves through the silence looks
 * wrong. [0, duration] when nothing rises above the threshold.
 */
export function voicedSpan(pcm: Buffer, sampleRate: number, threshold = 500): { start: number; end: number } {
  const total = Math.floor(pcm.length / 2);
  let first = 0;
  while (first < total && Math.abs(pcm.readInt16LE(first * 2)) < threshold) first++;
  let last = total - 1;
  while (last > first && Math.abs(pcm.readInt16LE(last * 2)) < threshold) last--;
  if (first >= total) return { start: 0, end: total / sampleRate };
  return { start: first / sampleRate, end: (last + 1) / sampleRate };
}

function wavOf(pcm: Buffer, sampleRate: number): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}
