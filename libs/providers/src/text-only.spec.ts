import { ProviderError } from './provider-error';
import { audioTaskRefused } from './text-only';

describe('audioTaskRefused', () => {
  it('is a rejected, non-retryable failure naming the provider and the ones that take audio', () => {
    const error = audioTaskRefused('avaturn');
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: 'rejected', provider: 'avaturn', retryable: false, failsOver: false });
    expect(error.message).toBe('avaturn speaks text only; audio tasks need an audio-driven provider (local, liveavatar, spatialwalk)');
  });
});
