/**
 * What went wrong at a vendor, as one closed set of kinds: each has one public error
 * code (ERROR_STATUS) and a default for whether trying again can help. The provider
 * adapters raise them (ProviderError); the gateway maps them to the envelope.
 */
export const PROVIDER_FAILURES = {
  /** No credentials for the vendor: neither the tenant's stored ones nor the platform's. */
  not_configured: { code: 'PROVIDER_NOT_CONFIGURED', retryable: false },
  /** Our credentials for the vendor were refused (401/403). */
  auth: { code: 'PROVIDER_AUTH_FAILED', retryable: false },
  /** The vendor does not know the avatar (or voice) asked for. */
  unknown_avatar: { code: 'PROVIDER_UNKNOWN_AVATAR', retryable: false },
  /** The vendor account's credits or plan are used up. */
  quota: { code: 'PROVIDER_QUOTA_EXCEEDED', retryable: false },
  /** The vendor asked us to slow down (429, with Retry-After when it says). */
  rate_limited: { code: 'PROVIDER_RATE_LIMITED', retryable: true },
  /** The vendor account runs as many sessions as it may. */
  concurrency_limit: { code: 'PROVIDER_CAPACITY', retryable: false },
  /** The vendor did not answer in time. */
  timeout: { code: 'PROVIDER_TIMEOUT', retryable: true },
  /** The vendor could not be reached, or its socket dropped. */
  connection: { code: 'PROVIDER_UNAVAILABLE', retryable: true },
  /** The vendor failed on its side (5xx). */
  unavailable: { code: 'PROVIDER_UNAVAILABLE', retryable: true },
  /** The vendor ended the session by itself (idle, sandbox limit, its own fault). */
  session_ended: { code: 'PROVIDER_SESSION_ENDED', retryable: false },
  /** The vendor refused the request as malformed: a bug on our side or a bad parameter. */
  rejected: { code: 'PROVIDER_ERROR', retryable: false },
} as const;
export type ProviderFailureKind = keyof typeof PROVIDER_FAILURES;
export type ProviderErrorCode = (typeof PROVIDER_FAILURES)[ProviderFailureKind]['code'];

/** Kinds that mean "this vendor cannot take the session now": a tenant's failover tries the next provider. */
export const CAPACITY_KINDS: readonly ProviderFailureKind[] = ['quota', 'concurrency_limit', 'rate_limited'];


/** A provider failure as it crosses a process boundary and reaches a client's error `details`. */
export interface ProviderErrorDetails {
  provider: string;
  kind: ProviderFailureKind;
  retryable: boolean;
  /** Seconds the vendor asked to wait. */
  retry_after?: number;
  vendor_request_id?: string;
  vendor_status?: number;
}
