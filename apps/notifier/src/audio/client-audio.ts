import { AUDIO_BUFFER_SAMPLE_RATE, AUDIO_MAX_SAMPLE_RATE, AUDIO_MIN_SAMPLE_RATE } from '@avatar/contracts';
import { decodeWav, resamplePcm, WavFormatError } from '@avatar/tts';

export type ClientAudio = { ok: true; pcm: Buffer } | { ok: false; message: string };

/**
 * One `audio_buffer_append` chunk → PCM s16le mono at AUDIO_BUFFER_SAMPLE_RATE, the
 * rate the session's buffer holds. A chunk that starts with a RIFF/WAVE header is a
 * WAV (its own rate and channels win); anything else is raw PCM s16le mono at
 * `declaredRate`. Raw PCM must be whole samples (an even number of bytes).
 */
export function decodeClientAudio(audio: Buffer, declaredRate: number): ClientAudio {
  let pcm: Buffer;
  let rate: number;
  if (audio.length >= 12 && audio.toString('ascii', 0, 4) === 'RIFF' && audio.toString('ascii', 8, 12) === 'WAVE') {
    try {
      ({ pcm, sampleRate: rate } = decodeWav(audio));
    } catch (err) {
      if (err instanceof WavFormatError) return { ok: false, message: `${err.message} (send PCM s16le mono or a 16-bit PCM WAV)` };
      throw err;
    }
  } else {
    if (audio.length % 2 !== 0) return { ok: false, message: `PCM s16le needs whole 2-byte samples; got ${audio.length} bytes` };
    pcm = audio;
    rate = declaredRate;
  }
  if (rate < AUDIO_MIN_SAMPLE_RATE || rate > AUDIO_MAX_SAMPLE_RATE) {
    return { ok: false, message: `sample rate ${rate} Hz is outside ${AUDIO_MIN_SAMPLE_RATE}–${AUDIO_MAX_SAMPLE_RATE} Hz` };
  }
  if (pcm.length === 0) return { ok: false, message: 'the chunk holds no audio' };
  return { ok: true, pcm: rate === AUDIO_BUFFER_SAMPLE_RATE ? pcm : resamplePcm(pcm, rate, AUDIO_BUFFER_SAMPLE_RATE) };
}
