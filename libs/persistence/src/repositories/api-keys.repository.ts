import { Inject, Injectable } from '@nestjs/common';
import type { TenantScope } from '@avatar/contracts';
import type { ApiKey } from '../generated/prisma/client';
import { Db, PRISMA_CLIENT } from './prisma-client.token';
import type { NewApiKey } from './tenants.repository';

export type ApiKeyRow = ApiKey;

export type RotateResult =
  | { outcome: 'rotated'; previous: ApiKeyRow; created: ApiKeyRow }
  | { outcome: 'not_found' }
  /** Revoked or already expired: nothing to hand over to a successor. */
  | { outcome: 'not_usable'; key: ApiKeyRow };

/**
 * A tenant's API keys as an operator manages them (admin API and CLI). The gateway
 * authenticates with TenantsRepository.authenticate; whoever changes a key here
 * announces it (apiKeySubjects.revoked) so the gateways' caches drop it.
 */
@Injectable()
export class ApiKeysRepository {
  constructor(@Inject(PRISMA_CLIENT) private readonly db: Db) {}

  create(tenant: TenantScope, key: NewApiKey): Promise<ApiKeyRow> {
    return this.db.apiKey.create({ data: { ...key, tenantId: tenant } });
  }

  /** Oldest first. */
  list(tenant: TenantScope): Promise<ApiKeyRow[]> {
    return this.db.apiKey.findMany({ where: { tenantId: tenant }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  }

  find(tenant: TenantScope, keyId: string): Promise<ApiKeyRow | null> {
    return this.db.apiKey.findFirst({ where: { tenantId: tenant, id: keyId } });
  }

  /**
   * Gives the key a successor (`successor`: same name and scopes, new secret) and ends
   * the old secret `graceSeconds` from now (or sooner, if it was already due to end),
   * in one transaction that holds the old row: two rotations of one key at once make
   * one successor each, never a lost expiry. The database's clock decides.
   */
  async rotate(tenant: TenantScope, keyId: string, successor: Omit<NewApiKey, 'name' | 'scopes'>, graceSeconds: number): Promise<RotateResult> {
    return this.db.$transaction(async (tx) => {
      const [old] = await tx.$queryRaw<Array<{ usable: boolean }>>`
        SELECT (revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())) AS usable
          FROM api_keys WHERE tenant_id = ${tenant}::uuid AND id = ${keyId}::uuid FOR UPDATE`;
      if (!old) return { outcome: 'not_found' } as const;
      if (!old.usable) return { outcome: 'not_usable', key: (await tx.apiKey.findFirstOrThrow({ where: { tenantId: tenant, id: keyId } })) } as const;
      await tx.$executeRaw`
        UPDATE api_keys SET expires_at = LEAST(COALESCE(expires_at, 'infinity'), now() + make_interval(secs => ${graceSeconds}::int))
         WHERE tenant_id = ${tenant}::uuid AND id = ${keyId}::uuid`;
      const previous = await tx.apiKey.findFirstOrThrow({ where: { tenantId: tenant, id: keyId } });
      const created = await tx.apiKey.create({ data: { ...successor, name: previous.name, scopes: previous.scopes, tenantId: tenant } });
      return { outcome: 'rotated', previous, created } as const;
    });
  }

  /** Revokes the key now; a revoked key keeps its first revoked_at (repeatable). Null when the tenant has no such key. */
  async revoke(tenant: TenantScope, keyId: string): Promise<ApiKeyRow | null> {
    const count = await this.db.$executeRaw`
      UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now())
       WHERE tenant_id = ${tenant}::uuid AND id = ${keyId}::uuid`;
    return count === 1 ? this.find(tenant, keyId) : null;
  }
}
