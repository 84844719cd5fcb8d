import type { CreateTenantRequest, UpdateTenantRequest } from '@avatar/contracts';
import type { TenantChanges, TenantSettingsDocuments } from '@avatar/persistence';

/**
 * Validated admin input → the tenant's stored documents. An absent settings object is
 * `{}` (the platform defaults); on a PATCH an absent one is left alone and billing
 * null goes back to the default rule.
 */
export function newTenantDocuments(request: CreateTenantRequest): { name: string } & TenantSettingsDocuments {
  return {
    name: request.name,
    limits: request.limits ?? {},
    quotas: request.quotas ?? {},
    billing: request.billing ?? {},
    providers: request.providers ?? {},
  };
}

export function tenantChanges(request: UpdateTenantRequest): TenantChanges {
  const changes: TenantChanges = {};
  if (request.name !== undefined) changes.name = request.name;
  if (request.limits !== undefined) changes.limits = request.limits;
  if (request.quotas !== undefined) changes.quotas = request.quotas;
  if (request.billing !== undefined) changes.billing = request.billing ?? {};
  if (request.providers !== undefined) changes.providers = request.providers;
  return changes;
}
