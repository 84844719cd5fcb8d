import { chunkPcm, pcmDuration } from './pcm-chunks';

describe('pcmDuration', () => {
  it('counts whole samples at the rate', () => {
    expect(pcmDuration(Buffer.alloc(48_000), 24_000)).toBe(1);
    expect(pcmDuration(Buffer.alloc(16_001), 8000)).toBe(1);
  });
});

describe('chunkPcm', () => {
  it('cuts into pieces of the given seconds, the last one shorter, losing nothing', () => {
    const pcm = Buffer.from(Array.from({ length: 2 * 25_000 }, (_, i) => i % 251));
    const chunks = chunkPcm(pcm, 10_000, 1);
    expect(chunks.map((c) => c.length)).toEqual([20_000, 20_000, 10_000]);
    expect(Buffer.concat(chunks).equals(pcm)).toBe(true);
  });

  it('cuts on sample boundaries and gives nothing for no audio', () => {
    expect(chunkPcm(Buffer.alloc(7), 8000, 0.0002).map((c) => c.length)).toEqual([4, 2]);
    expect(chunkPcm(Buffer.alloc(0), 8000, 1)).toEqual([]);
    expect(() => chunkPcm(Buffer.alloc(4), 8000, 0)).toThrow(RangeError);
  });
});
