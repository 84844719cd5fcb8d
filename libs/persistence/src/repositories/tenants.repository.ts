import { Inject, Injectable } from '@nestjs/common';
import type { Tenant } from '../generated/prisma/client';
import { Db, PRISMA_CLIENT } from './prisma-client.token';

export interface NewApiKey {
  id: string;
  name: string;
  keyHash: string;
  keyPrefix: string;
}

/**
 * Tenants and their API keys. Authentication is the one look-up that cannot be
 * scoped by tenant (the key is how the tenant is found); it matches a hash only and
 * returns nothing but the tenant id.
 */
@Injectable()
export class TenantsRepository {
  constructor(@Inject(PRISMA_CLIENT) private readonly db: Db) {}

  find(tenantId: string): Promise<Tenant | null> {
    return this.db.tenant.findUnique({ where: { id: tenantId } });
  }

  /** Creates the tenant if absent and adds the key if its hash is new. */
  async upsertWithKey(tenant: { id: string; name: string }, key: NewApiKey): Promise<void> {
    await this.db.$transaction([
      this.db.tenant.upsert({ where: { id: tenant.id }, create: tenant, update: {} }),
      this.db.apiKey.upsert({ where: { keyHash: key.keyHash }, create: { ...key, tenantId: tenant.id }, update: { revokedAt: null } }),
    ]);
  }

  async tenantIdForKeyHash(keyHash: string): Promise<string | null> {
    const key = await this.db.apiKey.findFirst({ where: { keyHash, revokedAt: null }, select: { tenantId: true } });
    return key?.tenantId ?? null;
  }
}
