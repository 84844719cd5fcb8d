export interface BackoffOptions {
  /** First delay (ms). */
  initialDelayMs: number;
  /** Longest delay (ms). */
  maxDelayMs: number;
  /** Attempts before giving up (Infinity: never). */
  maxAttempts: number;
}

export const DEFAULT_RECONNECT: BackoffOptions = { initialDelayMs: 250, maxDelayMs: 10_000, maxAttempts: Infinity };

/**
 * Delay before attempt `attempt` (1-based): exponential, capped, with "full jitter" so
 * many clients cut off at once (a notifier restart) do not come back in step.
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
