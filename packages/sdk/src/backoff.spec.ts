import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  const policy = { initialDelayMs: 100, maxDelayMs: 1_000, maxAttempts: Infinity };

  it('doubles from the initial delay up to the cap, jittered within the upper half', () => {
    expect([1, 2, 3, 4, 5, 9].map((n) => backoffDelay(n, policy, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, policy, () => 0))).toEqual([50, 100, 200, 400, 500]);
  });
});
