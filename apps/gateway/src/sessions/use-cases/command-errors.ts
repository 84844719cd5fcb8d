import { ERROR_STATUS, ErrorCode, PlatformError } from '@avatar/contracts';
import { CommandError } from '@avatar/messaging';

/**
 * A worker that is not there or did not answer is a 503; a vendor failure keeps its
 * typed code (PROVIDER_AUTH_FAILED, PROVIDER_RATE_LIMITED with retry_after, …) and
 * details (provider, retryable, the vendor's request id); anything else a worker
 * refused is a 502.
 */
export function commandFailure(err: unknown, action: string): PlatformError {
  if (err instanceof CommandError) {
    if (err.code === 'NO_WORKER' || err.code === 'TIMEOUT') {
      return new PlatformError('SERVICE_UNAVAILABLE', `could not ${action}: ${err.message}`, { reason: err.code });
    }
    if (isProviderCode(err.code)) return new PlatformError(err.code, `could not ${action}: ${err.message}`, { ...(err.details ?? {}) });
    return new PlatformError('PROVIDER_ERROR', `could not ${action}: ${err.message}`, { reason: err.code });
  }
  return err instanceof PlatformError ? err : new PlatformError('INTERNAL_ERROR', `could not ${action}`);
}

function isProviderCode(code: string): code is ErrorCode {
  return code.startsWith('PROVIDER_') && code in ERROR_STATUS;
}
