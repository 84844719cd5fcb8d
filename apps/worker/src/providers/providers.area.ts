import { createProviderRegistry, platformCredentials, ProviderRegistry } from '@avatar/providers';
import { PLATFORM_CREDENTIALS, ProviderCredentialsResolver, VendorCredentialsReader } from '@avatar/tenancy';
import type { WorkerAreaFactory } from '../worker-area';
import { ProviderConnections } from './provider-connections';
import { ProviderSessions } from './provider-sessions';
import { SessionOwnership } from './session-ownership';
import { SpeechEngines } from './speech-engines';
import { VendorKeepAlive } from './vendor-keep-alive';
import { HandleVendorLostUseCase } from '../sessions/use-cases/handle-vendor-lost.use-case';

/**
 * The provider adapters this worker runs (docs/providers.md), whose credentials they
 * use (the tenant's, else the platform's), the speech engines, the live connections
 * with their owner leases (docs/adr/0012), keep-alives, and what happens when a vendor
 * ends a session by itself.
 */
export const providersArea: WorkerAreaFactory = (config) => ({
  providers: [
    { provide: ProviderRegistry, useFactory: () => createProviderRegistry(config) },
    { provide: PLATFORM_CREDENTIALS, useValue: platformCredentials(config) },
    VendorCredentialsReader,
    ProviderCredentialsResolver,
    SpeechEngines,
    ProviderSessions,
    SessionOwnership,
    ProviderConnections,
    VendorKeepAlive,
    HandleVendorLostUseCase,
  ],
});
