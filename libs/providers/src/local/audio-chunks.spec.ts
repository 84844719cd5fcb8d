import { decodeWav } from '@avatar/tts';
import { audioChunks, voicedSpan } from './audio-chunks';

function pcmOf(samples: number[]): Buffer {
  const pcm = Buffer.alloc(samples.length * 2);
  samples.forEach((s, i) => pcm.writeInt16LE(s, i * 2));
  return pcm;
}

describe('audioChunks', () => {
  it('cuts PCM into WAV pieces of the given length that put back together are the PCM', () => {
    const pcm = pcmOf(Array.from({ length: 2500 }, (_, i) => ((i * 37) % 2000) - 1000));
    const chunks = audioChunks(pcm, 1000, 1);
    expect(chunks.map((c) => [c.start, c.duration])).toEqual([
      [0, 1],
      [1, 1],
      [2, 0.5],
    ]);
    const decoded = chunks.map((c) => decodeWav(Buffer.from(c.wav, 'base64')));
    expect(decoded.every((d) => d.sampleRate === 1000)).toBe(true);
    expect(Buffer.concat(decoded.map((d) => d.pcm)).equals(pcm)).toBe(true);
    // A standard 44-byte header with the real sizes (players that trust it play all of it).
    const wav = Buffer.from(chunks[2].wav, 'base64');
    expect(wav.readUInt32LE(40)).toBe(1000);
    expect(wav.readUInt32LE(4)).toBe(36 + 1000);
  });

  it('gives nothing for no audio', () => {
    expect(audioChunks(Buffer.alloc(0), 24_000, 1)).toEqual([]);
  });
});

describe('voicedSpan', () => {
  it('finds where the sound rises above the threshold', () => {
    const pcm = pcmOf([0, 10, -20, 0, 3000, -4000, 100, 2000, 5, 0]);
    expect(voicedSpan(pcm, 10)).toEqual({ start: 0.4, end: 0.8 });
  });

  it('is the whole audio when all of it is quiet', () => {
    expect(voicedSpan(pcmOf([0, 1, -1, 0]), 4)).toEqual({ start: 0, end: 1 });
  });
});
