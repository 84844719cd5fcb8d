import { pcmBytesFor, pcmSeconds, splitPcm, wavOf } from './pcm-audio';

describe('PCM helpers', () => {
  it('sizes chunks in whole samples', () => {
    expect(pcmBytesFor(160, 16000)).toBe(5120);
    expect(pcmBytesFor(1000, 22050)).toBe(44100);
    expect(pcmBytesFor(10, 22050)).toBe(442); // 220.5 samples round to 221
  });

  it('splits audio into consecutive chunks that add up to it', () => {
    const pcm = Buffer.from(Array.from({ length: 11 }, (_, i) => i));
    const chunks = splitPcm(pcm, 4);
    expect(chunks.map((c) => c.length)).toEqual([4, 4, 3]);
    expect(Buffer.concat(chunks)).toEqual(pcm);
    expect(splitPcm(Buffer.alloc(0), 4)).toEqual([]);
  });

  it('measures seconds of s16le mono', () => {
    expect(pcmSeconds(32000, 16000)).toBe(1);
  });

  it('wraps PCM in a canonical 16-bit mono WAV header', () => {
    const pcm = Buffer.from([1, 0, 2, 0]);
    const wav = wavOf(pcm, 24000);
    expect(wav.length).toBe(48);
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.readUInt32LE(4)).toBe(40);
    expect(wav.toString('ascii', 8, 16)).toBe('WAVEfmt ');
    expect([wav.readUInt16LE(20), wav.readUInt16LE(22)]).toEqual([1, 1]);
    expect(wav.readUInt32LE(24)).toBe(24000);
    expect(wav.readUInt32LE(28)).toBe(48000);
    expect([wav.readUInt16LE(32), wav.readUInt16LE(34)]).toEqual([2, 16]);
    expect(wav.toString('ascii', 36, 40)).toBe('data');
    expect(wav.readUInt32LE(40)).toBe(4);
    expect(wav.subarray(44)).toEqual(pcm);
  });
});
