import { ProviderError } from '@avatar/providers';
import { MAX_SAMPLE_RATE, MIN_SAMPLE_RATE } from './tts-engine';

/** A request's sample rate must be a whole number of Hz in 8–48 kHz: anything else is our caller's bug. */
export function assertSampleRate(rate: number, provider: string): void {
  if (!Number.isInteger(rate) || rate < MIN_SAMPLE_RATE || rate > MAX_SAMPLE_RATE) {
    throw new ProviderError(`${provider}: sample rate ${rate} is outside ${MIN_SAMPLE_RATE}–${MAX_SAMPLE_RATE} Hz`, { kind: 'rejected', provider });
  }
}
