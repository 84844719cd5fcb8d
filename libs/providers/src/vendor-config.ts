import type { ProviderCredentials } from './avatar-provider';

/** The vendor variables of an app's config (libs/config `vendors`). */
export interface VendorConfig {
  AVATURN_API_URL: string;
  AVATURN_API_KEY?: string;
  AVATURN_AVATARS: Array<{ id: string; name: string; preview_url?: string }>;
  LIVEAVATAR_API_URL: string;
  LIVEAVATAR_API_KEY?: string;
  HEYGEN_API_URL: string;
  HEYGEN_API_KEY?: string;
  SPATIALWALK_CONSOLE_URL: string;
  SPATIALWALK_INGRESS_URL: string;
  SPATIALWALK_API_KEY?: string;
  SPATIALWALK_APP_ID?: string;
  SPATIALWALK_AVATARS: Array<{ id: string; name: string; preview_url?: string }>;
  ELEVENLABS_API_URL: string;
  ELEVENLABS_API_KEY?: string;
}

/** The speech vendor's name, as its credentials are stored (CREDENTIAL_PROVIDERS). */
export const ELEVENLABS = 'elevenlabs';

/**
 * The platform's own credentials per vendor, from config: what a tenant without stored
 * credentials uses. A vendor whose fields are not all set is left out.
 */
export function platformCredentials(config: VendorConfig): Record<string, ProviderCredentials> {
  const all: Record<string, Record<string, string | undefined>> = {
    avaturn: { api_key: config.AVATURN_API_KEY },
    liveavatar: { api_key: config.LIVEAVATAR_API_KEY },
    heygen: { api_key: config.HEYGEN_API_KEY },
    spatialwalk: { api_key: config.SPATIALWALK_API_KEY, app_id: config.SPATIALWALK_APP_ID },
    [ELEVENLABS]: { api_key: config.ELEVENLABS_API_KEY },
  };
  const out: Record<string, ProviderCredentials> = {};
  for (const [vendor, fields] of Object.entries(all)) {
    if (Object.values(fields).every((value) => !!value)) out[vendor] = fields as Record<string, string>;
  }
  return out;
}

/** True when `credentials` has every field the adapter needs. */
export function hasFields(credentials: ProviderCredentials | null | undefined, fields: readonly string[]): credentials is ProviderCredentials {
  return !!credentials && fields.every((field) => typeof credentials[field] === 'string' && credentials[field].length > 0);
}
