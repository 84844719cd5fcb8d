import { PlatformError } from '@avatar/contracts';
import { CommandError } from '@avatar/messaging';

/** A worker that is not there or did not answer is a 503; a provider that refused is a 502. */
export function commandFailure(err: unknown, action: string): PlatformError {
  if (err instanceof CommandError) {
    if (err.code === 'NO_WORKER' || err.code === 'TIMEOUT') {
      return new PlatformError('SERVICE_UNAVAILABLE', `could not ${action}: ${err.message}`, { reason: err.code });
    }
    return new PlatformError('PROVIDER_ERROR', `could not ${action}: ${err.message}`, { reason: err.code });
  }
  return err instanceof PlatformError ? err : new PlatformError('INTERNAL_ERROR', `could not ${action}`);
}
