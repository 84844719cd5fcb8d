import type { ApiKeyScope, TenantScope } from '@avatar/contracts';

/** Who a request with a valid API key acts as: the tenant, the key, and what it may do. */
export interface Principal {
  tenant: TenantScope;
  keyId: string;
  scopes: ReadonlySet<ApiKeyScope>;
}
