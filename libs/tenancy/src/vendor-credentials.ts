import { Inject, Injectable } from '@nestjs/common';
import type { TenantScope } from '@avatar/contracts';
import { SealedCredentialRecord, SealedDocument, VendorCredentialsRepository } from '@avatar/persistence';
import { resealRows, ResealReport } from './admin/reseal-rows';
import { CREDENTIAL_CIPHER, CredentialCipher } from './credential-cipher';

/** A tenant's credentials for one vendor, as the vendor's adapter needs them: `{api_key, app_id, …}`. */
export type VendorCredentials = Record<string, string>;

/**
 * What a sealed credential is bound to (the cipher's additional authenticated data):
 * its tenant and vendor, so a row's bytes copied to another tenant or vendor do not open.
 */
export function vendorCredentialContext(tenant: TenantScope, provider: string): string {
  return `vendor-credentials:${tenant}:${provider}`;
}

export function sealVendorCredentials(cipher: CredentialCipher, tenant: TenantScope, provider: string, fields: VendorCredentials): SealedDocument {
  return cipher.sealJson(fields, vendorCredentialContext(tenant, provider));
}

export function openVendorCredentials(cipher: CredentialCipher, tenant: TenantScope, provider: string, document: SealedDocument): VendorCredentials {
  return cipher.openJson<VendorCredentials>(document, vendorCredentialContext(tenant, provider));
}

/**
 * The field names of stored credentials (the admin API lists names, never values);
 * null if the key that sealed them is not configured here.
 */
export function vendorCredentialFieldNames(cipher: CredentialCipher, tenant: TenantScope, provider: string, document: SealedDocument): string[] | null {
  if (!cipher.canOpen(document.keyId)) return null;
  return Object.keys(openVendorCredentials(cipher, tenant, provider, document)).sort();
}

/**
 * Reads a tenant's vendor credentials for the provider adapters (worker or gateway):
 * `providers: [VendorCredentialsReader, credentialCipherProvider(config)]`.
 */
@Injectable()
export class VendorCredentialsReader {
  constructor(
    private readonly credentials: VendorCredentialsRepository,
    @Inject(CREDENTIAL_CIPHER) private readonly cipher: CredentialCipher,
  ) {}

  /**
   * The decrypted credentials, or null when the tenant stored none for this vendor.
   * Throws UnknownCredentialKeyError (names the key id) if they were sealed with a key
   * this process lacks, CredentialIntegrityError if the stored bytes were altered.
   */
  async credentialsFor(tenant: TenantScope, provider: string): Promise<VendorCredentials | null> {
    const row = await this.credentials.find(tenant, provider);
    return row ? openVendorCredentials(this.cipher, tenant, provider, row) : null;
  }
}

export type { ResealReport } from './admin/reseal-rows';

/**
 * Key rotation: re-encrypts every credential sealed with another key under
 * CREDENTIALS_KEY. A row that a PUT replaced meanwhile is left as that PUT wrote it.
 */
export function resealVendorCredentials(credentials: VendorCredentialsRepository, cipher: CredentialCipher): Promise<ResealReport> {
  return resealRows<SealedCredentialRecord>(
    {
      sealedWithOtherKeys: (keyId, limit, after) => credentials.sealedWithOtherKeys(keyId, limit, after),
      context: (row) => vendorCredentialContext(row.tenant, row.provider),
      describe: (row) => `${row.tenant}/${row.provider}`,
      replaceSealed: (row, document) => credentials.replaceSealed(row.tenant, row.provider, row.keyId, document),
    },
    cipher,
  );
}
