import type { TenantScope } from '@avatar/contracts';
import type { TenantAdminRepository, TenantRow } from '@avatar/persistence';
import { adminNotFound } from './admin-errors';

/** The tenant's row, or 404 NOT_FOUND: keys and credentials of an unknown tenant are not found either. */
export async function existingTenant(tenants: TenantAdminRepository, tenant: TenantScope): Promise<TenantRow> {
  const row = await tenants.find(tenant);
  if (!row) throw adminNotFound.tenant(tenant);
  return row;
}
