import { Inject, Injectable } from '@nestjs/common';
import type { TenantScope } from '@avatar/contracts';
import { sql, SQL_CLIENT, SqlClient } from './sql-client';

/** A tenant-level event to deliver to the tenant's webhook endpoints. */
export interface WebhookEvent {
  /** session.started, session.stopped, task.failed, quota.warning, quota.exhausted. */
  type: string;
  /** Names the event once: the same key is one delivery per endpoint, however often it is recorded. */
  key: string;
  payload: Record<string, unknown>;
}

/**
 * The webhook outbox: recording an event writes one pending delivery per endpoint of
 * the tenant that subscribed to its type, in the caller's request or job, never a
 * network call. The worker's webhook dispatcher sends what is pending (docs/adr/0010).
 */
@Injectable()
export class WebhookOutboxRepository {
  constructor(@Inject(SQL_CLIENT) private readonly sql: SqlClient) {}

  /** The ids of the deliveries this call created (none if the event was recorded before or nobody subscribed). */
  async record(tenantId: TenantScope, event: WebhookEvent): Promise<string[]> {
    const rows = await this.sql.rows<{ id: string }>(sql`
      INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, event_type, event_key, payload)
      SELECT gen_random_uuid(), e.tenant_id, e.id, ${event.type}, ${event.key}, ${JSON.stringify(event.payload)}::jsonb
        FROM webhook_endpoints e
       WHERE e.tenant_id = ${tenantId}::uuid AND e.disabled_at IS NULL AND ${event.type} = ANY(e.events)
      ON CONFLICT (endpoint_id, event_key) DO NOTHING
      RETURNING id::text`);
    return rows.map((r) => r.id);
  }
}
