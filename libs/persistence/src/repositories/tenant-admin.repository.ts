import { Inject, Injectable } from '@nestjs/common';
import type { TenantScope } from '@avatar/contracts';
import type { Prisma, Tenant } from '../generated/prisma/client';
import { Db, PRISMA_CLIENT } from './prisma-client.token';

export type TenantRow = Tenant;

/** A tenant's settings documents as stored ({} = the platform defaults; docs/adr/0008). */
export interface TenantSettingsDocuments {
  limits: Record<string, unknown>;
  quotas: Record<string, unknown>;
  billing: Record<string, unknown>;
  providers: Record<string, unknown>;
}

export type TenantChanges = Partial<{ name: string } & TenantSettingsDocuments>;

const json = (value: Record<string, unknown>) => value as Prisma.InputJsonObject;

/**
 * What an operator does to tenants (admin API and CLI): create, page through, change,
 * disable. Each method on one tenant takes its scope (TenantScopes.administered); the
 * list is the one query over all tenants, because listing them is what it is for.
 */
@Injectable()
export class TenantAdminRepository {
  constructor(@Inject(PRISMA_CLIENT) private readonly db: Db) {}

  create(tenant: TenantScope, data: { name: string } & TenantSettingsDocuments): Promise<Tenant> {
    const { limits, quotas, billing, providers } = data;
    return this.db.tenant.create({ data: { id: tenant, name: data.name, limits: json(limits), quotas: json(quotas), billing: json(billing), providers: json(providers) } });
  }

  find(tenant: TenantScope): Promise<Tenant | null> {
    return this.db.tenant.findUnique({ where: { id: tenant } });
  }

  /** Tenants in id order after `after`, at most `limit` (index tenants(status, id) serves the filtered form). */
  list(query: { status?: Tenant['status']; after?: string; limit: number }): Promise<Tenant[]> {
    return this.db.tenant.findMany({
      where: { ...(query.status ? { status: query.status } : {}), ...(query.after ? { id: { gt: query.after } } : {}) },
      orderBy: { id: 'asc' },
      take: query.limit,
    });
  }

  /** Null when the tenant does not exist. Each settings document given replaces the stored one. */
  async update(tenant: TenantScope, changes: TenantChanges): Promise<Tenant | null> {
    const data: Prisma.TenantUpdateManyMutationInput = {};
    if (changes.name !== undefined) data.name = changes.name;
    for (const key of ['limits', 'quotas', 'billing', 'providers'] as const) if (changes[key] !== undefined) data[key] = json(changes[key]);
    const { count } = await this.db.tenant.updateMany({ where: { id: tenant }, data });
    return count === 1 ? this.find(tenant) : null;
  }

  /**
   * Disables (disabled_at = now, kept if already disabled: it says since when) or
   * enables (disabled_at cleared) the tenant. Null when it does not exist.
   */
  async setStatus(tenant: TenantScope, status: Tenant['status']): Promise<Tenant | null> {
    const count = await this.db.$executeRaw`
      UPDATE tenants
         SET status = ${status}::tenant_status,
             disabled_at = CASE WHEN ${status} = 'disabled' THEN COALESCE(disabled_at, now()) ELSE NULL END,
             updated_at = now()
       WHERE id = ${tenant}::uuid`;
    return count === 1 ? this.find(tenant) : null;
  }
}
