/**
 * When a failed webhook attempt is tried again (docs/adr/0010): the k-th retry waits
 * base × 2^(k-1), at most WEBHOOK_MAX_DELAY_MS, plus up to WEBHOOK_JITTER of it so
 * that deliveries that failed together (a receiver's outage) do not come back
 * together. Retrying stops once WEBHOOK_RETRY_HOURS have passed since the job was
 * queued (the processor decides), so the retries span at least that long whatever
 * the base.
 */
export const WEBHOOK_MAX_DELAY_MS = 3_600_000;
export const WEBHOOK_JITTER = 0.1;

/** Delay before the next attempt after `attemptsMade` failed ones (1 after the first failure), without jitter. */
export function webhookRetryDelay(attemptsMade: number, baseMs: number): number {
  // 2^k overflows to Infinity long before k reaches the ceiling of attempts; min() keeps the cap.
  return Math.min(baseMs * 2 ** Math.max(0, attemptsMade - 1), WEBHOOK_MAX_DELAY_MS);
}

/** The BullMQ backoff strategy: the delay plus up to WEBHOOK_JITTER of it (never less than the delay). */
export function webhookBackoffStrategy(baseMs: number, random: () => number = Math.random) {
  return (attemptsMade: number): number => {
    const delay = webhookRetryDelay(attemptsMade, baseMs);
    return Math.round(delay * (1 + WEBHOOK_JITTER * random()));
  };
}

/**
 * The attempts of one delivery that never succeeds, as offsets from its first attempt
 * (ms, without jitter): the first at 0, each next after its delay, the last being the
 * first made once `retryMs` have passed. For the docs and the spec.
 */
export function webhookRetrySchedule(baseMs: number, retryMs: number): number[] {
  const at = [0];
  while (at[at.length - 1] < retryMs) at.push(at[at.length - 1] + webhookRetryDelay(at.length, baseMs));
  return at;
}
