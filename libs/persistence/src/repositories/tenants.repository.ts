import { Inject, Injectable } from '@nestjs/common';
import { TenantScope } from '@avatar/contracts';
import type { Tenant } from '../generated/prisma/client';
import { Db, PRISMA_CLIENT } from './prisma-client.token';
import { sql, SQL_CLIENT, SqlClient } from './sql-client';

export interface NewApiKey {
  id: string;
  name: string;
  keyHash: string;
  keyPrefix: string;
  scopes: string[];
}

/** What an API key proves: its tenant (active), its scopes, and until when it is valid. */
export interface ApiKeyIdentity {
  keyId: string;
  tenantId: string;
  scopes: string[];
  /** Set on a rotated key: it stops working then. */
  expiresAt: Date | null;
}

/**
 * Tenants and authentication. Authentication is the one look-up that cannot be
 * scoped by tenant (the key is how the tenant is found); it matches a hash only.
 */
@Injectable()
export class TenantsRepository {
  constructor(
    @Inject(PRISMA_CLIENT) private readonly db: Db,
    @Inject(SQL_CLIENT) private readonly sql: SqlClient,
  ) {}

  find(tenantId: TenantScope): Promise<Tenant | null> {
    return this.db.tenant.findUnique({ where: { id: tenantId } });
  }

  /** Creates the tenant if absent and adds the key if its hash is new. */
  async upsertWithKey(tenant: { id: string; name: string }, key: NewApiKey): Promise<void> {
    await this.db.$transaction([
      this.db.tenant.upsert({ where: { id: tenant.id }, create: tenant, update: {} }),
      this.db.apiKey.upsert({ where: { keyHash: key.keyHash }, create: { ...key, tenantId: tenant.id }, update: { revokedAt: null, expiresAt: null } }),
    ]);
  }

  /** The key with this hash if it works now: not revoked, not expired, of an active tenant. */
  async authenticate(keyHash: string): Promise<ApiKeyIdentity | null> {
    const [row] = await this.sql.rows<ApiKeyIdentity>(sql`
      SELECT k.id::text AS "keyId", k.tenant_id::text AS "tenantId", k.scopes, k.expires_at AS "expiresAt"
        FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
       WHERE k.key_hash = ${keyHash} AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
         AND t.status = 'active'`);
    return row ?? null;
  }

  /** Records that the key was used, at most once a minute (the row is not written more often, whatever calls it). */
  async touchKey(keyId: string): Promise<void> {
    await this.sql.count(sql`
      UPDATE api_keys SET last_used_at = now()
       WHERE id = ${keyId}::uuid AND (last_used_at IS NULL OR last_used_at <= now() - interval '1 minute')`);
  }
}
