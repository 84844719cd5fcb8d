import { z } from 'zod';
import { PROVIDER_NAMES } from '../api/streaming.dto';

/**
 * A tenant's settings, stored as JSON on the tenant (docs/adr/0008). Each field is
 * optional: absent means the platform default below. Validated where they enter (the
 * admin API) and where they are read (a row written by an older version still parses).
 */

/** Reference defaults (DESIGN.md "Rate limits"): per tenant, per route. */
export const DEFAULT_RATE_LIMITS = {
  /** streaming.new per minute. */
  sessions_per_minute: 10,
  /** avatar.speak per minute. */
  speak_per_minute: 30,
  /** chat.completions per minute. */
  chat_per_minute: 60,
  /** WebSocket messages per second, per connection. */
  ws_messages_per_second: 100,
} as const;

const limit = (max: number) => z.number().int().min(1).max(max);

export const TenantLimits = z.strictObject({
  sessions_per_minute: limit(100_000).optional(),
  speak_per_minute: limit(1_000_000).optional(),
  chat_per_minute: limit(1_000_000).optional(),
  ws_messages_per_second: limit(10_000).optional(),
});
export type TenantLimits = z.infer<typeof TenantLimits>;

export const DEFAULT_QUOTAS = {
  /** Sessions created or active at once. */
  max_active_sessions: 20,
  /** Tasks waiting (queued or speaking) in one session. */
  max_queued_tasks_per_session: 100,
  /** Minutes of session time per calendar month (UTC); null = unlimited. */
  monthly_minutes: null as number | null,
} as const;

export const TenantQuotas = z.strictObject({
  max_active_sessions: z.number().int().min(1).max(100_000).optional(),
  max_queued_tasks_per_session: z.number().int().min(1).max(10_000).optional(),
  monthly_minutes: z.number().int().min(1).max(10_000_000).nullable().optional(),
});
export type TenantQuotas = z.infer<typeof TenantQuotas>;

/**
 * How a session's duration is billed (SQL function billed_seconds, the one place the
 * rule is applied): rounded up to the whole second; with a minimum, a session that
 * started costs at least minimum_seconds. A session that never started costs nothing.
 */
export const TenantBilling = z.discriminatedUnion('model', [
  z.strictObject({ model: z.literal('per_second') }),
  z.strictObject({ model: z.literal('minimum_then_per_second'), minimum_seconds: z.number().int().min(1).max(86_400) }),
]);
export type TenantBilling = z.infer<typeof TenantBilling>;
export const DEFAULT_BILLING: TenantBilling = { model: 'per_second' };

export const TenantProviders = z.strictObject({
  /** The provider of a session that names none (one the platform has: PROVIDER_NAMES). */
  default: z.enum(PROVIDER_NAMES).optional(),
  /**
   * Providers to fall back on, in order: when opening the vendor session fails with a
   * retryable or capacity error, the next one is tried (docs/providers.md "Failover").
   * Avatar and voice ids are the vendor's own: each entry may name the ones to use
   * there (else the session's).
   */
  failover: z
    .array(z.strictObject({ provider: z.enum(PROVIDER_NAMES), avatar_id: z.string().min(1).max(128).optional(), voice_id: z.string().min(1).max(128).optional() }))
    .max(PROVIDER_NAMES.length)
    .refine((list) => new Set(list.map((f) => f.provider)).size === list.length, 'must not repeat a provider')
    .optional(),
  /** When a vendor session dies mid-session: re-create it on the next failover provider (true) or end the session (false, the default). */
  failover_mid_session: z.boolean().optional(),
});
export type TenantProviders = z.infer<typeof TenantProviders>;

/** The effective settings of a tenant: its own values over the defaults. */
export interface EffectiveTenantSettings {
  limits: Required<TenantLimits>;
  quotas: { max_active_sessions: number; max_queued_tasks_per_session: number; monthly_minutes: number | null };
  billing: TenantBilling;
  providers: TenantProviders;
}

/**
 * Each field of a stored object on its own: a malformed or unknown field (say, written
 * by a newer version during a rolling deploy) is dropped, and only it falls back to
 * the default; the tenant's other overrides stay.
 */
export function fieldsOf<T extends z.ZodRawShape>(schema: z.ZodObject<T>, stored: unknown): Partial<{ [K in keyof T]: z.infer<T[K]> }> {
  const out: Record<string, unknown> = {};
  if (!stored || typeof stored !== 'object' || Array.isArray(stored)) return out as Partial<{ [K in keyof T]: z.infer<T[K]> }>;
  for (const [name, field] of Object.entries(schema.shape)) {
    const value = (stored as Record<string, unknown>)[name];
    if (value === undefined) continue;
    const parsed = (field as z.ZodType).safeParse(value);
    if (parsed.success && parsed.data !== undefined) out[name] = parsed.data;
  }
  return out as Partial<{ [K in keyof T]: z.infer<T[K]> }>;
}

/** Reads stored settings; a malformed stored value falls back to its default (never to no limit). */
export function effectiveTenantSettings(stored: { limits: unknown; quotas: unknown; billing: unknown; providers: unknown }): EffectiveTenantSettings {
  const limits = fieldsOf(TenantLimits, stored.limits);
  const q = fieldsOf(TenantQuotas, stored.quotas);
  const billing = TenantBilling.safeParse(stored.billing);
  return {
    limits: { ...DEFAULT_RATE_LIMITS, ...limits } as Required<TenantLimits>,
    quotas: {
      max_active_sessions: q.max_active_sessions ?? DEFAULT_QUOTAS.max_active_sessions,
      max_queued_tasks_per_session: q.max_queued_tasks_per_session ?? DEFAULT_QUOTAS.max_queued_tasks_per_session,
      monthly_minutes: q.monthly_minutes ?? DEFAULT_QUOTAS.monthly_minutes,
    },
    // One discriminated document: all of it or the default.
    billing: billing.success ? billing.data : DEFAULT_BILLING,
    providers: fieldsOf(TenantProviders, stored.providers),
  };
}
