import { z } from 'zod';
import { PROVIDER_NAMES } from './streaming.dto';

/** The providers, the avatars and the voices a tenant can use: one list across vendors (docs/providers.md). */

export const ProviderInfo = z.object({
  name: z.enum(PROVIDER_NAMES),
  /** False when neither the tenant nor the platform has credentials for the vendor: a session on it answers 422 PROVIDER_NOT_CONFIGURED. */
  available: z.boolean(),
  /** Whose credentials a session would use: the tenant's stored ones or the platform's; null when unavailable. */
  credentials: z.enum(['tenant', 'platform']).nullable(),
  /** The vendor session lives in a connection one worker holds (docs/adr/0012). */
  stateful: z.boolean(),
});
export const ListProvidersResponse = z.object({ providers: z.array(ProviderInfo) });
export type ListProvidersResponse = z.infer<typeof ListProvidersResponse>;

export const CatalogQuery = z.strictObject({
  /** Only this provider's entries. */
  provider: z.enum(PROVIDER_NAMES).optional(),
});
export type CatalogQuery = z.infer<typeof CatalogQuery>;

export const CatalogItem = z.object({
  /** The id to pass as avatar_id / voice_id with this provider. */
  id: z.string(),
  provider: z.enum(PROVIDER_NAMES),
  name: z.string(),
  /** An image (avatars) or a sound (voices), where the vendor has one. */
  preview_url: z.string().optional(),
  language: z.string().optional(),
  gender: z.string().optional(),
});
export type CatalogItem = z.infer<typeof CatalogItem>;

/** A configured provider whose list could not be read this time (the others are still listed). */
export const CatalogGap = z.object({ provider: z.enum(PROVIDER_NAMES), code: z.string(), message: z.string() });

export const AvatarsResponse = z.object({ avatars: z.array(CatalogItem), unavailable: z.array(CatalogGap) });
export type AvatarsResponse = z.infer<typeof AvatarsResponse>;
export const VoicesResponse = z.object({ voices: z.array(CatalogItem), unavailable: z.array(CatalogGap) });
export type VoicesResponse = z.infer<typeof VoicesResponse>;
