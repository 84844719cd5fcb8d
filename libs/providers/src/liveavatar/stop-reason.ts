/**
 * The vendor's `SessionEndReasonEnum` (its OpenAPI for `POST /v1/sessions/stop`):
 * UNKNOWN, USER_DISCONNECTED, SERVER_ERROR, IDLE_TIMEOUT, NO_CREDITS, USER_CLOSED,
 * AVATAR_DELETED, MAX_DURATION_REACHED, ZOMBIE_SESSION_REAP. Our end reasons map to the
 * one that says the same; the rest get the reference plugin's USER_DISCONNECTED.
 */
const VENDOR_REASONS: Readonly<Record<string, string>> = {
  client_stop: 'USER_CLOSED',
  idle_timeout: 'IDLE_TIMEOUT',
  max_duration: 'MAX_DURATION_REACHED',
  reaped: 'ZOMBIE_SESSION_REAP',
};

export const DEFAULT_VENDOR_STOP_REASON = 'USER_DISCONNECTED';

export function vendorStopReason(reason: string): string {
  return VENDOR_REASONS[reason] ?? DEFAULT_VENDOR_STOP_REASON;
}
