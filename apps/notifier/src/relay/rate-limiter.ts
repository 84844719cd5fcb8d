/**
 * - accept: handle the message.
 * - reject: drop it.
 * - warn: drop it and tell the client (once per second at most: an answer per
 *   dropped message would let a flood amplify itself).
 * - close: the client keeps going far over the rate: close the socket.
 */
export type RateDecision = 'accept' | 'reject' | 'warn' | 'close';

/**
 * Messages per second of one socket: a token bucket (`rate` per second, bursts of
 * `rate`), and abuse detection — more than `abuseFactor × rate` messages in each of
 * `abuseSeconds` consecutive one-second windows closes the socket. No timers: the
 * state advances with each message's arrival time.
 */
export class MessageRateLimiter {
  private tokens: number;
  private refilledAt: number | undefined;
  private windowStart: number | undefined;
  private windowCount = 0;
  private abusiveWindows = 0;
  private warned = false;

  constructor(
    private readonly rate: number,
    private readonly abuseFactor = 2,
    private readonly abuseSeconds = 2,
  ) {
    this.tokens = rate;
  }

  take(now: number): RateDecision {
    this.advanceWindow(now);
    this.windowCount++;
    if (this.windowCount > this.abuseFactor * this.rate && this.abusiveWindows + 1 >= this.abuseSeconds) return 'close';

    const elapsed = this.refilledAt === undefined ? 0 : Math.max(0, now - this.refilledAt);
    this.tokens = Math.min(this.rate, this.tokens + (elapsed * this.rate) / 1000);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 'accept';
    }
    if (this.warned) return 'reject';
    this.warned = true;
    return 'warn';
  }

  private advanceWindow(now: number): void {
    if (this.windowStart === undefined) {
      this.windowStart = now;
      return;
    }
    const windowsPassed = Math.floor((now - this.windowStart) / 1000);
    if (windowsPassed <= 0) return;
    const wasAbusive = this.windowCount > this.abuseFactor * this.rate;
    // A quiet window in between (no message at all) breaks the streak.
    this.abusiveWindows = wasAbusive && windowsPassed === 1 ? this.abusiveWindows + 1 : 0;
    this.windowStart += windowsPassed * 1000;
    this.windowCount = 0;
    this.warned = false;
  }
}
