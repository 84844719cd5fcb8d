import { ServiceUnavailableException } from '@nestjs/common';
import type { HealthCheckService, HealthIndicatorFunction } from '@nestjs/terminus';
import { HealthReport, healthReport } from './health-report';

type IndicatorResults = Record<string, { status: string; [key: string]: unknown }>;

/**
 * Runs Terminus indicators and answers in the platform's shape. Terminus throws 503
 * with the results when one is down; that is a report too, not an error.
 */
export async function checkHealth(health: HealthCheckService, self: string, indicators: HealthIndicatorFunction[]): Promise<HealthReport> {
  let details: IndicatorResults;
  try {
    details = (await health.check(indicators)).details as IndicatorResults;
  } catch (err) {
    if (!(err instanceof ServiceUnavailableException)) throw err;
    details = (err.getResponse() as { details: IndicatorResults }).details;
  }
  return healthReport(self, details);
}

/** Probes of external services give up after this long: a hung dependency is down. */
export const PROBE_TIMEOUT_MS = 2000;
