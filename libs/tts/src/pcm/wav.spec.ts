import { decodeWav, encodeWav, WavFormatError } from './wav';
import { sine } from './pcm-test-signals';

function chunk(id: string, body: Buffer, declaredSize = body.length): Buffer {
  const head = Buffer.alloc(8);
  head.write(id, 0, 'ascii');
  head.writeUInt32LE(declaredSize, 4);
  return Buffer.concat([head, body, body.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

function fmt(channels: number, sampleRate: number, bits = 16, audioFormat = 1): Buffer {
  const body = Buffer.alloc(16);
  body.writeUInt16LE(audioFormat, 0);
  body.writeUInt16LE(channels, 2);
  body.writeUInt32LE(sampleRate, 4);
  body.writeUInt32LE((sampleRate * channels * bits) / 8, 8);
  body.writeUInt16LE((channels * bits) / 8, 12);
  body.writeUInt16LE(bits, 14);
  return chunk('fmt ', body);
}

function riff(...chunks: Buffer[]): Buffer {
  const head = Buffer.from('RIFF\0\0\0\0WAVE', 'ascii');
  const wav = Buffer.concat([head, ...chunks]);
  wav.writeUInt32LE(wav.length - 8, 4);
  return wav;
}

describe('encodeWav / decodeWav', () => {
  const pcm = sine(440, 16_000, 0.1);

  it('round-trips PCM with a standard 44-byte header', () => {
    const wav = encodeWav(pcm, 16_000);
    expect(wav.length).toBe(44 + pcm.length);
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.readUInt32LE(4)).toBe(36 + pcm.length);
    expect(wav.readUInt32LE(24)).toBe(16_000);
    expect(wav.readUInt32LE(40)).toBe(pcm.length);
    const decoded = decodeWav(wav);
    expect(decoded.sampleRate).toBe(16_000);
    expect(decoded.pcm.equals(pcm)).toBe(true);
  });

  it('finds fmt and data after other chunks, and honours the declared data size', () => {
    const wav = riff(chunk('LIST', Buffer.from('INFOabc', 'ascii')), fmt(1, 22_050), chunk('data', pcm), chunk('junk', Buffer.alloc(10, 7)));
    const decoded = decodeWav(wav);
    expect(decoded.sampleRate).toBe(22_050);
    expect(decoded.pcm.equals(pcm)).toBe(true);
  });

  it.each([0xffffffff, 0x7ffff000, 0])('reads a streamed WAV whose data size is the placeholder 0x%s to the end', (placeholder) => {
    const wav = riff(fmt(1, 22_050), chunk('data', pcm, placeholder));
    wav.writeUInt32LE(placeholder, 4);
    expect(decodeWav(wav).pcm.equals(pcm)).toBe(true);
  });

  it('mixes stereo down to mono', () => {
    const stereo = Buffer.alloc(8);
    stereo.writeInt16LE(100, 0);
    stereo.writeInt16LE(300, 2);
    stereo.writeInt16LE(-1000, 4);
    stereo.writeInt16LE(-2000, 6);
    const decoded = decodeWav(riff(fmt(2, 8000), chunk('data', stereo)));
    expect([decoded.pcm.readInt16LE(0), decoded.pcm.readInt16LE(2)]).toEqual([200, -1500]);
  });

  it('refuses what it cannot read', () => {
    expect(() => decodeWav(Buffer.from('not a wav at all'))).toThrow(WavFormatError);
    expect(() => decodeWav(riff(fmt(1, 8000, 8), chunk('data', pcm)))).toThrow(/8-bit/);
    expect(() => decodeWav(riff(fmt(1, 8000, 16, 3), chunk('data', pcm)))).toThrow(/not PCM/);
    expect(() => decodeWav(riff(chunk('data', pcm)))).toThrow(/before fmt/);
    expect(() => decodeWav(riff(fmt(1, 8000)))).toThrow(/no data/);
  });
});
