import { Inject, Injectable } from '@nestjs/common';
import type { TenantScope } from '@avatar/contracts';
import { sql, SQL_CLIENT, SqlClient } from './sql-client';

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
}
