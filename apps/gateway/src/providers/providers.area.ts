import { createProviderRegistry, platformCredentials, ProviderRegistry } from '@avatar/providers';
import { PLATFORM_CREDENTIALS, ProviderCredentialsResolver, VendorCredentialsReader } from '@avatar/tenancy';
import type { GatewayAreaFactory } from '../gateway-area';
import { ProviderAvailability } from './provider-availability';
import { ProvidersController } from './providers.controller';
import { ListCatalogUseCase } from './use-cases/list-catalog.use-case';

/**
 * Providers at the door (docs/providers.md): which vendors a tenant can use (its
 * stored credentials, else the platform's), checked at streaming.new, and the one
 * catalog of avatars and voices. The adapters speak in the workers; the gateway uses
 * them only for their catalogs and what credentials they need.
 */
export const providersArea: GatewayAreaFactory = (config) => ({
  controllers: [ProvidersController],
  providers: [
    { provide: ProviderRegistry, useFactory: () => createProviderRegistry(config) },
    { provide: PLATFORM_CREDENTIALS, useValue: platformCredentials(config) },
    VendorCredentialsReader,
    ProviderCredentialsResolver,
    ProviderAvailability,
    ListCatalogUseCase,
  ],
});
