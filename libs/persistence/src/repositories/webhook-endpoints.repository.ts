import { Inject, Injectable } from '@nestjs/common';
import { TenantScope, TenantScopes } from '@avatar/contracts';
import { sql, SQL_CLIENT, SqlClient } from './sql-client';
import type { SealedDocument } from './vendor-credentials.repository';

export interface WebhookEndpointRow {
  id: string;
  tenantId: string;
  url: string;
  events: string[];
  createdAt: Date;
  disabledAt: Date | null;
}

export interface NewWebhookEndpoint {
  id: string;
  url: string;
  events: string[];
  /** Which CREDENTIALS_KEY sealed the secret. */
  keyId: string;
  sealedSecret: Buffer;
}

/** An endpoint's sealed signing secret, as the re-seal sweep finds it. */
export interface SealedWebhookSecretRecord extends SealedDocument {
  tenantId: TenantScope;
  id: string;
}

const COLUMNS = sql`id::text, tenant_id::text AS "tenantId", url, events, created_at AS "createdAt", disabled_at AS "disabledAt"`;

/** A tenant's webhook endpoints (docs/adr/0010). The sealed secret is read only by the dispatcher (WebhookDeliveriesRepository.forDispatch). */
@Injectable()
export class WebhookEndpointsRepository {
  constructor(@Inject(SQL_CLIENT) private readonly sql: SqlClient) {}

  /**
   * Adds the endpoint unless the tenant already has `maxActive` active ones (null
   * then). Two concurrent creations may both pass the count: the cap bounds the
   * fan-out of each event, one more is harmless.
   */
  async create(tenantId: TenantScope, endpoint: NewWebhookEndpoint, maxActive: number): Promise<WebhookEndpointRow | null> {
    const [row] = await this.sql.rows<WebhookEndpointRow>(sql`
      INSERT INTO webhook_endpoints (id, tenant_id, url, events, key_id, sealed_secret)
      SELECT ${endpoint.id}::uuid, ${tenantId}::uuid, ${endpoint.url}, ${endpoint.events}::text[], ${endpoint.keyId}, ${endpoint.sealedSecret}
       WHERE (SELECT count(*) FROM webhook_endpoints WHERE tenant_id = ${tenantId}::uuid AND disabled_at IS NULL) < ${maxActive}
      RETURNING ${COLUMNS}`);
    return row ?? null;
  }

  /** Every endpoint of the tenant, disabled ones included, newest first. */
  list(tenantId: TenantScope): Promise<WebhookEndpointRow[]> {
    return this.sql.rows<WebhookEndpointRow>(sql`
      SELECT ${COLUMNS} FROM webhook_endpoints WHERE tenant_id = ${tenantId}::uuid ORDER BY created_at DESC, id DESC`);
  }

  async find(tenantId: TenantScope, endpointId: string): Promise<WebhookEndpointRow | null> {
    const [row] = await this.sql.rows<WebhookEndpointRow>(sql`
      SELECT ${COLUMNS} FROM webhook_endpoints WHERE tenant_id = ${tenantId}::uuid AND id = ${endpointId}::uuid`);
    return row ?? null;
  }

  /** Nothing more is recorded for or sent to it (repeatable: keeps the first disabled_at). Null if the tenant has no such endpoint. */
  async disable(tenantId: TenantScope, endpointId: string): Promise<WebhookEndpointRow | null> {
    const [row] = await this.sql.rows<WebhookEndpointRow>(sql`
      UPDATE webhook_endpoints SET disabled_at = COALESCE(disabled_at, now())
       WHERE tenant_id = ${tenantId}::uuid AND id = ${endpointId}::uuid
      RETURNING ${COLUMNS}`);
    return row ?? null;
  }

  /**
   * The key rotation's sweep, across tenants (disabled endpoints included): secrets
   * sealed with any key but `keyId`, a page at a time in (tenant, id) order after `after`.
   */
  async sealedWithOtherKeys(keyId: string, limit: number, after?: { tenantId: string; id: string }): Promise<SealedWebhookSecretRecord[]> {
    const from = after ? sql`AND (tenant_id, id) > (${after.tenantId}::uuid, ${after.id}::uuid)` : sql``;
    const rows = await this.sql.rows<{ tenantId: string; id: string; keyId: string; sealed: Buffer<ArrayBuffer> }>(sql`
      SELECT tenant_id::text AS "tenantId", id::text, key_id AS "keyId", sealed_secret AS sealed
        FROM webhook_endpoints
       WHERE key_id <> ${keyId} ${from}
       ORDER BY tenant_id, id
       LIMIT ${limit}`);
    return rows.map((r) => ({ ...r, tenantId: TenantScopes.ofRecord(r.tenantId) }));
  }

  /**
   * Replaces an endpoint's sealed secret if it is still the one sealed with
   * `expectedKeyId` (a concurrent write wins). True when replaced.
   */
  async replaceSealed(tenantId: TenantScope, endpointId: string, expectedKeyId: string, document: SealedDocument): Promise<boolean> {
    const count = await this.sql.count(sql`
      UPDATE webhook_endpoints SET key_id = ${document.keyId}, sealed_secret = ${Buffer.from(document.sealed)}
       WHERE tenant_id = ${tenantId}::uuid AND id = ${endpointId}::uuid AND key_id = ${expectedKeyId}`);
    return count === 1;
  }
}
