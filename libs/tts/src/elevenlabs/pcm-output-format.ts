/**
 * The raw-PCM output formats ElevenLabs' text-to-speech offers (`output_format=pcm_<rate>`,
 * signed 16-bit little-endian mono), per its public API definition.
 * pcm_44100 needs a Pro plan or above.
 */
export const ELEVENLABS_PCM_RATES = [8000, 16_000, 22_050, 24_000, 44_100, 48_000] as const;

/**
 * The format to ask for: the lowest offered rate at or above the one needed, so the
 * resampler only ever goes down (no band is made up), and exactly the rate when it
 * is offered (no resampling at all).
 */
export function pcmOutputRate(sampleRate: number): number {
  return ELEVENLABS_PCM_RATES.find((rate) => rate >= sampleRate) ?? ELEVENLABS_PCM_RATES[ELEVENLABS_PCM_RATES.length - 1];
}
