import { randomUUID } from 'node:crypto';
import { API_KEY_SCOPES } from '@avatar/contracts';
import { createDatabase, TenantsRepository } from '@avatar/persistence';
import { apiKeyDisplayPrefix, generateApiKey, hashApiKey } from './api-key';

/** The development tenant `npm start` creates: fixed id, so restarts reuse it. */
export const DEV_TENANT_ID = '00000000-0000-4000-8000-00000000de00';
export const DEV_TENANT_NAME = 'Development tenant';

/**
 * Creates the development tenant and makes `apiKey` (or a new key) one of its keys.
 * Refuses in production: there, no tenant or key exists that nobody created.
 */
export async function seedDevTenant(options: { databaseUrl: string; apiKey?: string; nodeEnv?: string }): Promise<{ tenantId: string; apiKey: string }> {
  if ((options.nodeEnv ?? process.env.NODE_ENV) === 'production') {
    throw new Error('refusing to seed a development tenant with NODE_ENV=production');
  }
  const apiKey = options.apiKey ?? generateApiKey();
  const db = createDatabase(options.databaseUrl);
  try {
    await new TenantsRepository(db.prisma, db.sql).upsertWithKey(
      { id: DEV_TENANT_ID, name: DEV_TENANT_NAME },
      { id: randomUUID(), name: 'development key', keyHash: hashApiKey(apiKey), keyPrefix: apiKeyDisplayPrefix(apiKey), scopes: [...API_KEY_SCOPES] },
    );
  } finally {
    await db.close();
  }
  return { tenantId: DEV_TENANT_ID, apiKey };
}
