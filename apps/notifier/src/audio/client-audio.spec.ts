import { AUDIO_BUFFER_SAMPLE_RATE, audioBufferSeconds as bufferSeconds } from '@avatar/contracts';
import { encodeWav } from '@avatar/tts';
import { decodeClientAudio } from './client-audio';

const tone = (samples: number) => Buffer.from(Int16Array.from({ length: samples }, (_, i) => Math.round(8000 * Math.sin(i / 5))).buffer);

describe('decodeClientAudio', () => {
  it('takes raw PCM at the buffer rate as it is', () => {
    const pcm = tone(480);

    const decoded = decodeClientAudio(pcm, AUDIO_BUFFER_SAMPLE_RATE);

    expect(decoded.ok && Buffer.compare(decoded.pcm, pcm)).toBe(0);
  });

  it('resamples raw PCM at another declared rate to the buffer rate', () => {
    const decoded = decodeClientAudio(tone(1600), 16_000);

    expect(decoded.ok).toBe(true);
    if (decoded.ok) expect(bufferSeconds(decoded.pcm.length)).toBeCloseTo(0.1, 2);
  });

  it("reads a WAV's own rate, whatever rate is declared", () => {
    const decoded = decodeClientAudio(encodeWav(tone(800), 8_000), 44_100);

    expect(decoded.ok).toBe(true);
    if (decoded.ok) expect(bufferSeconds(decoded.pcm.length)).toBeCloseTo(0.1, 2);
  });

  it('refuses half samples, broken WAVs, empty audio and rates out of range, saying why', () => {
    expect(decodeClientAudio(Buffer.alloc(3), 24_000)).toEqual({ ok: false, message: expect.stringContaining('2-byte samples') });
    const broken = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WAVE'), Buffer.from('junk')]);
    expect(decodeClientAudio(broken, 24_000)).toEqual({ ok: false, message: expect.stringContaining('WAV') });
    expect(decodeClientAudio(Buffer.alloc(0), 24_000)).toEqual({ ok: false, message: expect.stringContaining('no audio') });
    expect(decodeClientAudio(encodeWav(tone(100), 96_000), 24_000)).toEqual({ ok: false, message: expect.stringContaining('96000 Hz') });
  });
});
