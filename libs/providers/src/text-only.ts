import { ProviderError } from './provider-error';

/** The providers whose avatars can speak recorded audio (their `acceptsAudio` is true). */
export const AUDIO_DRIVEN_PROVIDERS = ['local', 'liveavatar', 'spatialwalk'] as const;

/**
 * The refusal of an audio task on a vendor whose API takes text only (Avaturn, HeyGen):
 * `rejected` and not retryable — the same audio fails the same way on every try, and
 * the message says which providers would take it.
 */
export function audioTaskRefused(provider: string): ProviderError {
  return new ProviderError(`${provider} speaks text only; audio tasks need an audio-driven provider (${AUDIO_DRIVEN_PROVIDERS.join(', ')})`, {
    kind: 'rejected',
    provider,
    retryable: false,
  });
}
