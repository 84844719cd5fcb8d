import { ApiKeyRevoked, apiKeySubjects, tenantSubjects } from '@avatar/contracts';
import { encodeJson } from '@avatar/messaging';

/**
 * What an operator's change tells every gateway on core NATS, so their caches (API
 * keys: ApiKeyCache; tenant settings: TenantSettingsCache) drop what changed at once.
 * The admin API and the CLI announce the same messages.
 */
export interface Announcement {
  subject: string;
  data: Uint8Array;
}

const json = (value: ApiKeyRevoked): Uint8Array => encodeJson(value);

export const announcements = {
  /** A key was revoked or rotated (its expiry changed): caches look it up again. */
  keyChanged(tenantId: string, keyHash: string): Announcement[] {
    return [{ subject: apiKeySubjects.revoked(tenantId), data: json({ key_hash: keyHash }) }];
  },
  /** Settings or status changed. */
  tenantChanged(tenantId: string): Announcement[] {
    return [{ subject: tenantSubjects.changed(tenantId), data: new Uint8Array() }];
  },
  /** Disabled: every key of the tenant is forgotten, and its settings/status re-read. */
  tenantDisabled(tenantId: string): Announcement[] {
    return [{ subject: apiKeySubjects.revoked(tenantId), data: json({ all_keys: true }) }, ...announcements.tenantChanged(tenantId)];
  },
};

/** Sends announcements (the gateway's NATS connection, or the CLI's short-lived one). */
export interface Announcer {
  announce(messages: Announcement[]): Promise<void>;
}
