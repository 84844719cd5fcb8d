import { Inject, Injectable } from '@nestjs/common';
import { TenantScope, TenantScopes } from '@avatar/contracts';
import type { VendorCredential } from '../generated/prisma/client';
import { Db, PRISMA_CLIENT } from './prisma-client.token';

export type VendorCredentialRow = VendorCredential;

/** A sealed document and the id of the key that sealed it (libs/tenancy CredentialCipher). */
export interface SealedDocument {
  keyId: string;
  sealed: Uint8Array<ArrayBuffer>;
}

/** A row the re-seal sweep found, with the tenant it was recorded for. */
export interface SealedCredentialRecord extends SealedDocument {
  tenant: TenantScope;
  provider: string;
}

/**
 * Tenants' vendor credentials, sealed (the repository never sees a plaintext): one row
 * per tenant and vendor, replaced as a whole.
 */
@Injectable()
export class VendorCredentialsRepository {
  constructor(@Inject(PRISMA_CLIENT) private readonly db: Db) {}

  put(tenant: TenantScope, provider: string, document: SealedDocument): Promise<VendorCredentialRow> {
    const sealed = Buffer.from(document.sealed);
    return this.db.vendorCredential.upsert({
      where: { tenantId_provider: { tenantId: tenant, provider } },
      create: { tenantId: tenant, provider, keyId: document.keyId, sealed },
      update: { keyId: document.keyId, sealed },
    });
  }

  find(tenant: TenantScope, provider: string): Promise<VendorCredentialRow | null> {
    return this.db.vendorCredential.findUnique({ where: { tenantId_provider: { tenantId: tenant, provider } } });
  }

  list(tenant: TenantScope): Promise<VendorCredentialRow[]> {
    return this.db.vendorCredential.findMany({ where: { tenantId: tenant }, orderBy: { provider: 'asc' } });
  }

  /** False when there was nothing to delete. */
  async delete(tenant: TenantScope, provider: string): Promise<boolean> {
    const { count } = await this.db.vendorCredential.deleteMany({ where: { tenantId: tenant, provider } });
    return count === 1;
  }

  /**
   * The key rotation's sweep, across tenants: rows sealed with any key but `keyId`, a
   * page at a time in (tenant, provider) order after `after`.
   */
  async sealedWithOtherKeys(keyId: string, limit: number, after?: { tenant: string; provider: string }): Promise<SealedCredentialRecord[]> {
    const rows = await this.db.vendorCredential.findMany({
      where: {
        keyId: { not: keyId },
        ...(after ? { OR: [{ tenantId: { gt: after.tenant } }, { tenantId: after.tenant, provider: { gt: after.provider } }] } : {}),
      },
      orderBy: [{ tenantId: 'asc' }, { provider: 'asc' }],
      take: limit,
    });
    return rows.map((r) => ({ tenant: TenantScopes.ofRecord(r.tenantId), provider: r.provider, keyId: r.keyId, sealed: r.sealed }));
  }

  /**
   * Replaces a row's sealed document if it is still the one sealed with `expectedKeyId`
   * (a PUT that raced the re-seal wins). True when replaced.
   */
  async replaceSealed(tenant: TenantScope, provider: string, expectedKeyId: string, document: SealedDocument): Promise<boolean> {
    const { count } = await this.db.vendorCredential.updateMany({
      where: { tenantId: tenant, provider, keyId: expectedKeyId },
      data: { keyId: document.keyId, sealed: Buffer.from(document.sealed) },
    });
    return count === 1;
  }
}
