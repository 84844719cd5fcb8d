import { PlatformError } from '@avatar/contracts';

// Use cases answer failures by rejecting with a PlatformError; specs then check its code and details.
/** Awaits `promise`, expects it to reject with a PlatformError, and returns that error. */
export async function caughtPlatformError(promise: Promise<unknown>): Promise<PlatformError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PlatformError);
  return err as PlatformError;
}
