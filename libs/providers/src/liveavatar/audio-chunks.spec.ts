import { audioChunks } from './audio-chunks';

function pcmOf(samples: number): Buffer {
  const pcm = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) pcm.writeInt16LE((i * 7) % 30_000, i * 2);
  return pcm;
}

describe('audioChunks', () => {
  it('cuts a first chunk of ~0.6 s, then ~1 s chunks, whose bytes together are the speech', () => {
    const pcm = pcmOf(24_000 * 2.9);
    const chunks = audioChunks(pcm, 24_000);

    expect(chunks.map((c) => c.durationS)).toEqual([0.6, 1, 1, 0.3]);
    expect(chunks.map((c) => c.offsetS)).toEqual([0, 0.6, 1.6, 2.6]);
    expect(chunks.map((c) => c.pcm.length)).toEqual([28_800, 48_000, 48_000, 14_400]);
    expect(Buffer.concat(chunks.map((c) => c.pcm)).equals(pcm)).toBe(true);
  });

  it('keeps short speech in one chunk and drops a stray odd byte', () => {
    const pcm = Buffer.concat([pcmOf(1200), Buffer.from([1])]);
    const chunks = audioChunks(pcm, 24_000);

    expect(chunks).toHaveLength(1);
    expect(chunks[0].pcm.length).toBe(2400);
    expect(chunks[0].durationS).toBe(0.05);
  });

  it('gives no chunk for no audio', () => {
    expect(audioChunks(Buffer.alloc(0), 24_000)).toEqual([]);
  });

  it('takes other sizes, and refuses sizes the vendor would not accept in one packet', () => {
    expect(audioChunks(pcmOf(1000), 1000, { firstS: 0.1, nextS: 0.25 }).map((c) => c.pcm.length / 2)).toEqual([100, 250, 250, 250, 150]);
    expect(() => audioChunks(pcmOf(10), 1000, { firstS: 0, nextS: 1 })).toThrow(/firstS/);
    expect(() => audioChunks(pcmOf(10), 1000, { firstS: 1, nextS: 30 })).toThrow(/nextS/);
  });
});
