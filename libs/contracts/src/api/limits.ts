import { z } from 'zod';
import type { TenantLimits } from '../tenancy/tenant-settings';

/**
 * Per-tenant rate limits of the HTTP API (docs/adr: rate limits). A route names its
 * limit with the gateway's `@RateLimit(key)`; the limit's value is the tenant's setting
 * (tenant.limits, else DEFAULT_RATE_LIMITS), counted per tenant over a fixed window
 * shared by every gateway replica (Redis).
 */
export const RATE_LIMIT_RULES = {
  /** POST /v1/streaming.new */
  sessions: { setting: 'sessions_per_minute', windowSeconds: 60 },
  /** POST /v1/avatar.speak */
  speak: { setting: 'speak_per_minute', windowSeconds: 60 },
  /** The realtime chat route (declared ahead of it: the route only has to say @RateLimit('chat')). */
  chat: { setting: 'chat_per_minute', windowSeconds: 60 },
} as const satisfies Record<string, { setting: keyof TenantLimits; windowSeconds: number }>;
export type RateLimitKey = keyof typeof RATE_LIMIT_RULES;

/** Response headers of a rate-limited route (on success and on 429): IETF draft RateLimit header fields (the throttler adds Retry-After on 429). */
export const RATE_LIMIT_HEADERS = {
  LIMIT: 'ratelimit-limit',
  REMAINING: 'ratelimit-remaining',
  /** Seconds until the current window ends and the count starts again. */
  RESET: 'ratelimit-reset',
} as const;

/** `details` of a RATE_LIMITED error. */
export interface RateLimitedDetails {
  limit: number;
  window_seconds: number;
  retry_after_seconds: number;
}

/** Request header of a POST that must not be done twice (Stripe's and the IETF draft's name). */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
/** Set to `true` on an answer that is the stored answer of an earlier request with the same key. */
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;

/** 1–255 printable ASCII characters (space to tilde). */
export const IdempotencyKey = z
  .string()
  .min(1, 'must not be empty')
  .max(IDEMPOTENCY_KEY_MAX_LENGTH, `must be at most ${IDEMPOTENCY_KEY_MAX_LENGTH} characters`)
  .regex(/^[\x20-\x7e]+$/, 'must be printable ASCII');
