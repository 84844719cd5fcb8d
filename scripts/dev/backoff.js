'use strict';
// Restart delays of the dev launcher's apps: exponential, capped, and back to the
// start once an app has stayed up long enough to count as healthy again.
const DEFAULT_BACKOFF = Object.freeze({ initialMs: 500, maxMs: 30_000, resetAfterMs: 60_000 });

// previousMs: the delay before the last restart (0 = never restarted); uptimeMs: how
// long the app ran before it exited this time.
function nextRestartDelay(previousMs, uptimeMs, policy = DEFAULT_BACKOFF) {
  if (!previousMs || uptimeMs >= policy.resetAfterMs) return policy.initialMs;
  return Math.min(previousMs * 2, policy.maxMs);
}

module.exports = { DEFAULT_BACKOFF, nextRestartDelay };
