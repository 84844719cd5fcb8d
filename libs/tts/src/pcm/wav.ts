/**
 * RIFF WAV ⇄ PCM s16le mono. The platform's audio events carry WAV (a player needs
 * the header to know the rate); the engines work on bare PCM.
 */

export interface DecodedWav {
  /** Signed 16-bit little-endian mono (several channels are mixed down). */
  pcm: Buffer;
  sampleRate: number;
}

const HEADER_BYTES = 44;
const PCM_FORMAT = 1;
/** WAVE_FORMAT_EXTENSIBLE: the real format is in the sub-format GUID; we accept it for 16-bit PCM. */
const EXTENSIBLE_FORMAT = 0xfffe;

/** Wraps PCM s16le mono in a 44-byte RIFF header. */
export function encodeWav(pcm: Buffer, sampleRate: number): Buffer {
  const dataBytes = pcm.length - (pcm.length % 2);
  const header = Buffer.alloc(HEADER_BYTES);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(PCM_FORMAT, 20);
  header.writeUInt16LE(1, 22); // channels
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28); // byte rate
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  return Buffer.concat([header, pcm.subarray(0, dataBytes)]);
}

export class WavFormatError extends Error {
  constructor(message: string) {
    super(`WAV: ${message}`);
    this.name = 'WavFormatError';
  }
}

/**
 * Reads a 16-bit PCM WAV. The chunks are walked (`fmt ` and `data` need not be at
 * fixed offsets; LIST and other chunks are skipped). A writer that streams (espeak-ng
 * --stdout) cannot know the sizes up front and puts a placeholder (0, 0xFFFFFFFF or
 * 0x7FFFFFFF-ish) in the RIFF and data sizes: a data size of 0 or one beyond the
 * buffer means "to the end of the buffer".
 */
export function decodeWav(wav: Buffer): DecodedWav {
  if (wav.length < 12 || wav.toString('ascii', 0, 4) !== 'RIFF' || wav.toString('ascii', 8, 12) !== 'WAVE') {
    throw new WavFormatError('not a RIFF/WAVE file');
  }
  let format: { channels: number; sampleRate: number; bits: number; audioFormat: number } | undefined;
  let offset = 12;
  while (offset + 8 <= wav.length) {
    const id = wav.toString('ascii', offset, offset + 4);
    const size = wav.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (body + 16 > wav.length) throw new WavFormatError('fmt chunk cut off');
      format = {
        audioFormat: wav.readUInt16LE(body),
        channels: wav.readUInt16LE(body + 2),
        sampleRate: wav.readUInt32LE(body + 4),
        bits: wav.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!format) throw new WavFormatError('data chunk before fmt chunk');
      const available = wav.length - body;
      const length = size === 0 || size > available ? available : size;
      return { pcm: toMono(wav.subarray(body, body + length), format), sampleRate: format.sampleRate };
    }
    // Chunks are word-aligned: an odd size is followed by one pad byte.
    offset = body + size + (size % 2);
  }
  throw new WavFormatError(format ? 'no data chunk' : 'no fmt chunk');
}

function toMono(data: Buffer, format: { channels: number; sampleRate: number; bits: number; audioFormat: number }): Buffer {
  if (format.audioFormat !== PCM_FORMAT && format.audioFormat !== EXTENSIBLE_FORMAT) {
    throw new WavFormatError(`audio format ${format.audioFormat} is not PCM`);
  }
  if (format.bits !== 16) throw new WavFormatError(`${format.bits}-bit samples are not supported (16-bit only)`);
  if (format.channels < 1) throw new WavFormatError('no channels');
  if (format.sampleRate <= 0) throw new WavFormatError('sample rate 0');
  const frameBytes = 2 * format.channels;
  const frames = Math.floor(data.length / frameBytes);
  // A copy, not a view: the caller may keep it while the source buffer is reused.
  if (format.channels === 1) return Buffer.from(data.subarray(0, frames * 2));
  const mono = Buffer.alloc(frames * 2);
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < format.channels; c++) sum += data.readInt16LE(i * frameBytes + c * 2);
    mono.writeInt16LE(Math.round(sum / format.channels), i * 2);
  }
  return mono;
}
