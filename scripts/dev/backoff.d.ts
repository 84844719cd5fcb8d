// Types of this CommonJS module for the TypeScript that uses it (its spec).
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  resetAfterMs: number;
}
export const DEFAULT_BACKOFF: Readonly<BackoffPolicy>;
export function nextRestartDelay(previousMs: number, uptimeMs: number, policy?: BackoffPolicy): number;
