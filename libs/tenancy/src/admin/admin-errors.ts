import { PlatformError } from '@avatar/contracts';

/** Admin answers for what does not exist: 404 NOT_FOUND naming what was looked for. */
export const adminNotFound = {
  tenant: (tenantId: string) => new PlatformError('NOT_FOUND', `no tenant ${tenantId}`, { tenant_id: tenantId }),
  apiKey: (tenantId: string, keyId: string) => new PlatformError('NOT_FOUND', `tenant ${tenantId} has no API key ${keyId}`, { tenant_id: tenantId, key_id: keyId }),
  credentials: (tenantId: string, provider: string) =>
    new PlatformError('NOT_FOUND', `tenant ${tenantId} has no ${provider} credentials`, { tenant_id: tenantId, provider }),
};
