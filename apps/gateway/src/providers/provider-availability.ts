import { Injectable } from '@nestjs/common';
import { ListProvidersResponse, PlatformError, PROVIDER_NAMES, ProviderName, TenantScope } from '@avatar/contracts';
import { ProviderCredentials, ProviderRegistry } from '@avatar/providers';
import { CredentialSource, ProviderCredentialsResolver } from '@avatar/tenancy';

/**
 * Whether a provider can serve a tenant: it can when the tenant stored credentials
 * for the vendor or the platform configured them. Checked at streaming.new, so a
 * session on an unconfigured vendor is a clear 422 at once, not a 502 at start.
 */
@Injectable()
export class ProviderAvailability {
  constructor(
    private readonly registry: ProviderRegistry,
    private readonly credentials: ProviderCredentialsResolver,
  ) {}

  async credentialsFor(tenant: TenantScope, provider: string): Promise<{ credentials: ProviderCredentials; source: CredentialSource } | null> {
    return this.credentials.resolve(tenant, provider, this.registry.get(provider).credentialFields);
  }

  async assertAvailable(tenant: TenantScope, provider: string): Promise<void> {
    if (await this.credentialsFor(tenant, provider)) return;
    throw new PlatformError(
      'PROVIDER_NOT_CONFIGURED',
      `provider ${provider} is not configured for this tenant: its credentials are neither stored for the tenant nor set on the platform`,
      { provider, needs: this.registry.get(provider).credentialFields },
    );
  }

  async list(tenant: TenantScope): Promise<ListProvidersResponse> {
    const providers = await Promise.all(
      PROVIDER_NAMES.filter((name) => this.registry.has(name)).map(async (name: ProviderName) => {
        const resolved = await this.credentialsFor(tenant, name);
        return { name, available: !!resolved, credentials: resolved?.source ?? null, stateful: this.registry.get(name).stateful };
      }),
    );
    return { providers };
  }
}
