import { MessageRateLimiter, RateDecision } from './rate-limiter';

/** Sends `count` messages spread evenly over [from, from + spanMs). */
function burst(limiter: MessageRateLimiter, from: number, count: number, spanMs = 1000): RateDecision[] {
  return Array.from({ length: count }, (_, i) => limiter.take(from + Math.floor((i * spanMs) / count)));
}

describe('MessageRateLimiter', () => {
  it('accepts a burst up to the rate, then drops the excess with one warning per second', () => {
    const limiter = new MessageRateLimiter(100);
    const decisions = burst(limiter, 0, 150, 10);
    expect(decisions.slice(0, 100).every((d) => d === 'accept')).toBe(true);
    expect(decisions[100]).toBe('warn');
    expect(decisions.slice(101).every((d) => d === 'reject')).toBe(true);
    // The next second: tokens are back, and a new warning may be sent.
    expect(limiter.take(1_100)).toBe('accept');
  });

  it('accepts a steady rate at the limit for ever', () => {
    const limiter = new MessageRateLimiter(100);
    for (let second = 0; second < 5; second++) {
      expect(burst(limiter, second * 1000, 100).every((d) => d === 'accept')).toBe(true);
    }
  });

  it('closes a client that sends more than twice the rate for two seconds running', () => {
    const limiter = new MessageRateLimiter(100);
    const first = burst(limiter, 0, 300);
    expect(first).not.toContain('close');
    expect(first).toContain('warn');
    const second = burst(limiter, 1000, 300);
    expect(second.slice(0, 200)).not.toContain('close');
    expect(second.slice(200)).toEqual(Array(100).fill('close'));
  });

  it('does not close when a quiet second breaks the streak', () => {
    const limiter = new MessageRateLimiter(100);
    expect(burst(limiter, 0, 300)).not.toContain('close');
    expect(burst(limiter, 2000, 300)).not.toContain('close');
  });

  it('does not close a client that stays under twice the rate', () => {
    const limiter = new MessageRateLimiter(100);
    for (let second = 0; second < 5; second++) expect(burst(limiter, second * 1000, 200, 1000)).not.toContain('close');
  });
});
