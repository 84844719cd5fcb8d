import type { SealedWebhookSecretRecord, WebhookEndpointsRepository } from '@avatar/persistence';
import type { CredentialCipher } from '../credential-cipher';
import { webhookSecretContext } from '../webhook-signature';
import { resealRows, ResealReport } from './reseal-rows';

/**
 * Key rotation for webhook endpoints' signing secrets (docs/adr/0010): each is re-sealed
 * under CREDENTIALS_KEY, bound to its tenant and endpoint as before, so the workers can
 * sign deliveries once the old key leaves CREDENTIALS_OLD_KEYS.
 */
export function resealWebhookSecrets(endpoints: WebhookEndpointsRepository, cipher: CredentialCipher): Promise<ResealReport> {
  return resealRows<SealedWebhookSecretRecord>(
    {
      sealedWithOtherKeys: (keyId, limit, after) => endpoints.sealedWithOtherKeys(keyId, limit, after),
      context: (row) => webhookSecretContext(row.tenantId, row.id),
      describe: (row) => `${row.tenantId}/${row.id}`,
      replaceSealed: (row, document) => endpoints.replaceSealed(row.tenantId, row.id, row.keyId, document),
    },
    cipher,
  );
}
