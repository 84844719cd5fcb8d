/** How speech is cut for `agent.speak`: a short first chunk (the avatar starts sooner), then steady ones. */
export interface AudioChunking {
  /** Seconds in the first chunk (~0.6 s: the reference plugin's first frame). */
  firstS: number;
  /** Seconds in every later chunk (~1 s: the vendor's recommended size). */
  nextS: number;
}

export const DEFAULT_AUDIO_CHUNKING: AudioChunking = { firstS: 0.6, nextS: 1 };

/** The vendor takes at most 1 MB per WebSocket packet; 10 s of 24 kHz audio is ~640 KB in base64. */
export const MAX_CHUNK_S = 10;

export interface AudioChunk {
  pcm: Buffer;
  /** Where the chunk starts in the speech, seconds. */
  offsetS: number;
  durationS: number;
}

const BYTES_PER_SAMPLE = 2;

/**
 * Cuts PCM s16le mono into chunks on whole samples: the chunks together are the
 * speech, byte for byte (a stray odd byte at the end, which is no sample, is dropped).
 */
export function audioChunks(pcm: Buffer, sampleRate: number, chunking: AudioChunking = DEFAULT_AUDIO_CHUNKING): AudioChunk[] {
  assertChunking(chunking);
  const totalSamples = Math.floor(pcm.length / BYTES_PER_SAMPLE);
  const chunks: AudioChunk[] = [];
  let sample = 0;
  while (sample < totalSamples) {
    const seconds = chunks.length === 0 ? chunking.firstS : chunking.nextS;
    const count = Math.min(Math.max(1, Math.round(seconds * sampleRate)), totalSamples - sample);
    chunks.push({
      pcm: pcm.subarray(sample * BYTES_PER_SAMPLE, (sample + count) * BYTES_PER_SAMPLE),
      offsetS: sample / sampleRate,
      durationS: count / sampleRate,
    });
    sample += count;
  }
  return chunks;
}

export function assertChunking(chunking: AudioChunking): void {
  for (const [name, value] of Object.entries(chunking)) {
    if (!(value > 0 && value <= MAX_CHUNK_S)) throw new Error(`audio chunk ${name} must be in (0, ${MAX_CHUNK_S}] seconds, got ${value}`);
  }
}
