/**
 * PCM s16le mono helpers for the SpatialWalk adapter: cutting speech into chunks and
 * wrapping a chunk as WAV for the platform's audio events.
 */

const BYTES_PER_SAMPLE = 2;

/** Bytes of `ms` milliseconds of audio, a whole number of samples. */
export function pcmBytesFor(ms: number, sampleRate: number): number {
  return Math.max(1, Math.round((sampleRate * ms) / 1000)) * BYTES_PER_SAMPLE;
}

/** Consecutive slices of `bytes` each (the last one shorter); none for empty audio. */
export function splitPcm(pcm: Buffer, bytes: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < pcm.length; at += bytes) chunks.push(pcm.subarray(at, at + bytes));
  return chunks;
}

export function pcmSeconds(bytes: number, sampleRate: number): number {
  return bytes / BYTES_PER_SAMPLE / sampleRate;
}

/** A 44-byte RIFF/WAVE header and the samples: what a browser plays as is. */
export function wavOf(pcm: Buffer, sampleRate: number): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * BYTES_PER_SAMPLE, 28); // byte rate
  header.writeUInt16LE(BYTES_PER_SAMPLE, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}
