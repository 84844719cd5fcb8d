import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { TenantScopes } from '@avatar/contracts';
import type { TenantAdminRepository, VendorCredentialsRepository } from '@avatar/persistence';
import { CredentialCipher, sealVendorCredentials } from '@avatar/tenancy';
import { ADMIN_FIXTURE_TENANT_ID, caughtPlatformError, tenantRow, vendorCredentialRow } from '@avatar/testing';
import { ListCredentialsUseCase } from './list-credentials.use-case';

const TENANT = TenantScopes.administered(ADMIN_FIXTURE_TENANT_ID);

afterEach(() => jest.restoreAllMocks());

describe('ListCredentialsUseCase', () => {
  const cipher = new CredentialCipher(randomBytes(32));
  const stored = (provider: string, fields: Record<string, string>, by = cipher) => vendorCredentialRow({ provider, ...sealVendorCredentials(by, TENANT, provider, fields) });
  const useCase = (rows: unknown[], tenant: unknown = tenantRow()) =>
    new ListCredentialsUseCase({ find: async () => tenant } as unknown as TenantAdminRepository, { list: async () => rows } as unknown as VendorCredentialsRepository, cipher);

  it('names the fields of each vendor, never a value', async () => {
    const answer = await useCase([stored('heygen', { app_id: 'A', api_key: 'SECRET' }), stored('elevenlabs', { api_key: 'SECRET' })]).execute(TENANT);
    expect(answer.credentials.map((c) => [c.provider, c.fields, c.key_id])).toEqual([
      ['heygen', ['api_key', 'app_id'], cipher.currentKeyId],
      ['elevenlabs', ['api_key'], cipher.currentKeyId],
    ]);
    expect(JSON.stringify(answer)).not.toContain('SECRET');
  });

  it('shows fields null for credentials sealed with a key it does not have, or altered', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const foreign = stored('heygen', { api_key: 'x' }, new CredentialCipher(randomBytes(32)));
    const altered = stored('avaturn', { api_key: 'x' });
    altered.sealed[altered.sealed.length - 1] ^= 1;

    const answer = await useCase([foreign, altered]).execute(TENANT);

    expect(answer.credentials.map((c) => c.fields)).toEqual([null, null]);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('answers NOT_FOUND for an unknown tenant', async () => {
    expect((await caughtPlatformError(useCase([], null).execute(TENANT))).code).toBe('NOT_FOUND');
  });
});
