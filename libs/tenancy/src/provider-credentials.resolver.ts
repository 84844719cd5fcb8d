import { Inject, Injectable } from '@nestjs/common';
import type { TenantScope } from '@avatar/contracts';
import { hasFields, ProviderCredentials } from '@avatar/providers';
import { VendorCredentialsReader } from './vendor-credentials';

/** DI token: the platform's own vendor credentials, from config (platformCredentials). */
export const PLATFORM_CREDENTIALS = Symbol('PLATFORM_CREDENTIALS');

export type CredentialSource = 'tenant' | 'platform';

/**
 * Whose credentials a vendor call uses: the tenant's stored ones when they have every
 * field the adapter needs, else the platform's (config), else none — and then the
 * provider is unavailable to that tenant (PROVIDER_NOT_CONFIGURED).
 */
@Injectable()
export class ProviderCredentialsResolver {
  constructor(
    private readonly reader: VendorCredentialsReader,
    @Inject(PLATFORM_CREDENTIALS) private readonly platform: Record<string, ProviderCredentials>,
  ) {}

  async resolve(tenant: TenantScope, vendor: string, fields: readonly string[]): Promise<{ credentials: ProviderCredentials; source: CredentialSource } | null> {
    if (fields.length === 0) return { credentials: {}, source: 'platform' };
    const stored = await this.reader.credentialsFor(tenant, vendor);
    if (hasFields(stored, fields)) return { credentials: stored, source: 'tenant' };
    const platform = this.platform[vendor];
    return hasFields(platform, fields) ? { credentials: platform, source: 'platform' } : null;
  }
}
