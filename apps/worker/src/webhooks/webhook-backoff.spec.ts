import { WEBHOOK_JOB_OPTIONS } from '@avatar/contracts';
import { WEBHOOK_JITTER, WEBHOOK_MAX_DELAY_MS, webhookBackoffStrategy, webhookRetryDelay, webhookRetrySchedule } from './webhook-backoff';

const HOUR = 3_600_000;

describe('webhook backoff', () => {
  it('doubles from the base and is capped at an hour', () => {
    expect([1, 2, 3, 4].map((n) => webhookRetryDelay(n, 10_000))).toEqual([10_000, 20_000, 40_000, 80_000]);
    expect(webhookRetryDelay(9, 10_000)).toBe(2_560_000);
    expect(webhookRetryDelay(10, 10_000)).toBe(WEBHOOK_MAX_DELAY_MS);
    expect(webhookRetryDelay(5000, 10_000)).toBe(WEBHOOK_MAX_DELAY_MS);
  });

  it('with the defaults (base 10 s, WEBHOOK_RETRY_HOURS 26) the attempts span at least 24 h, and 26 h', () => {
    const schedule = webhookRetrySchedule(10_000, 26 * HOUR);
    const span = schedule[schedule.length - 1];
    expect(span).toBeGreaterThanOrEqual(24 * HOUR);
    expect(span).toBeGreaterThanOrEqual(26 * HOUR);
    // The last attempt comes no later than one capped delay after the window.
    expect(span).toBeLessThan(26 * HOUR + WEBHOOK_MAX_DELAY_MS);
    // Nine doubling retries within the first 1.42 h (10 s … 42.7 min), then 25 hourly: 35 attempts in all.
    expect(schedule.slice(0, 11)).toEqual([0, 10, 30, 70, 150, 310, 630, 1270, 2550, 5110, 8710].map((s) => s * 1000));
    expect(schedule).toHaveLength(35);
    expect(schedule.length).toBeLessThan(WEBHOOK_JOB_OPTIONS.attempts);
  });

  it.each([1, 200, 10_000, 600_000])('spans the retry window for any base (%i ms), within the job attempts ceiling', (base) => {
    const schedule = webhookRetrySchedule(base, 26 * HOUR);
    expect(schedule[schedule.length - 1]).toBeGreaterThanOrEqual(26 * HOUR);
    expect(schedule.length).toBeLessThan(WEBHOOK_JOB_OPTIONS.attempts);
  });

  it('adds jitter on top of the delay, never below it, at most WEBHOOK_JITTER', () => {
    expect(webhookBackoffStrategy(1000, () => 0)(3)).toBe(4000);
    expect(webhookBackoffStrategy(1000, () => 0.999999)(3)).toBe(Math.round(4000 * (1 + WEBHOOK_JITTER * 0.999999)));
    expect(webhookBackoffStrategy(1000, () => 0.5)(1)).toBe(1050);
  });
});
