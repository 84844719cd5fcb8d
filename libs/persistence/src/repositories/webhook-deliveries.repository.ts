import { Inject, Injectable } from '@nestjs/common';
import type { TenantScope, WebhookDeliveryStatus } from '@avatar/contracts';
import { sql, SQL_CLIENT, SqlClient } from './sql-client';

export interface WebhookDeliveryRow {
  id: string;
  tenantId: string;
  endpointId: string;
  eventType: string;
  eventKey: string;
  payload: Record<string, unknown>;
  status: WebhookDeliveryStatus;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: Date;
  lastAttemptAt: Date | null;
  deliveredAt: Date | null;
}

/** What the dispatcher needs to send a delivery: the row and its endpoint (sealed secret included). */
export interface DispatchableDelivery extends WebhookDeliveryRow {
  url: string;
  keyId: string;
  sealedSecret: Buffer;
  endpointDisabledAt: Date | null;
}

/** How one attempt went. */
export interface AttemptOutcome {
  delivered: boolean;
  /** The receiver's HTTP status; null when it gave none (timeout, refused connection). */
  httpStatus: number | null;
  /** Why it failed (bounded by the caller); null when delivered. */
  error: string | null;
  /** A failed attempt that is the last one: the delivery is given up (status failed). */
  final: boolean;
}

export interface DeliveryRef {
  tenantId: TenantScope;
  id: string;
}

/** Longest last_error kept: a receiver's error page must not fill the table. */
export const MAX_DELIVERY_ERROR_LENGTH = 500;

const COLUMNS = sql`d.id::text, d.tenant_id::text AS "tenantId", d.endpoint_id::text AS "endpointId", d.event_type AS "eventType",
  d.event_key AS "eventKey", d.payload, d.status::text AS status, d.attempts, d.last_status AS "lastStatus", d.last_error AS "lastError",
  d.created_at AS "createdAt", d.last_attempt_at AS "lastAttemptAt", d.delivered_at AS "deliveredAt"`;

/**
 * Webhook deliveries: one row per event and endpoint, written by the outbox
 * (WebhookOutboxRepository.record), sent and updated by the workers' dispatcher, read
 * and retried through the admin API (docs/adr/0010).
 */
@Injectable()
export class WebhookDeliveriesRepository {
  constructor(@Inject(SQL_CLIENT) private readonly sql: SqlClient) {}

  /** An endpoint's deliveries, newest first, after the cursor (the last row of the previous page). */
  list(tenantId: TenantScope, endpointId: string, filter: { status?: WebhookDeliveryStatus; limit: number; after?: { createdAt: Date; id: string } }): Promise<WebhookDeliveryRow[]> {
    const status = filter.status ?? null;
    const afterAt = filter.after?.createdAt ?? null;
    const afterId = filter.after?.id ?? null;
    return this.sql.rows<WebhookDeliveryRow>(sql`
      SELECT ${COLUMNS} FROM webhook_deliveries d
       WHERE d.tenant_id = ${tenantId}::uuid AND d.endpoint_id = ${endpointId}::uuid
         AND (${status}::text IS NULL OR d.status = ${status}::webhook_delivery_status)
         AND (${afterAt}::timestamptz IS NULL OR (d.created_at, d.id) < (${afterAt}::timestamptz, ${afterId}::uuid))
       ORDER BY d.created_at DESC, d.id DESC
       LIMIT ${filter.limit}`);
  }

  async find(tenantId: TenantScope, endpointId: string, deliveryId: string): Promise<WebhookDeliveryRow | null> {
    const [row] = await this.sql.rows<WebhookDeliveryRow>(sql`
      SELECT ${COLUMNS} FROM webhook_deliveries d
       WHERE d.tenant_id = ${tenantId}::uuid AND d.endpoint_id = ${endpointId}::uuid AND d.id = ${deliveryId}::uuid`);
    return row ?? null;
  }

  /**
   * A failed delivery back to pending (to be queued again); a pending one is returned
   * as is. Null when there is no such delivery or it was delivered.
   */
  async reopen(tenantId: TenantScope, endpointId: string, deliveryId: string): Promise<WebhookDeliveryRow | null> {
    const [row] = await this.sql.rows<WebhookDeliveryRow>(sql`
      UPDATE webhook_deliveries d SET status = 'pending'
       WHERE d.tenant_id = ${tenantId}::uuid AND d.endpoint_id = ${endpointId}::uuid AND d.id = ${deliveryId}::uuid
         AND d.status IN ('pending', 'failed')
      RETURNING ${COLUMNS}`);
    return row ?? null;
  }

  /** The pending delivery with its endpoint, to send; null if it is gone or no longer pending. */
  async forDispatch(tenantId: TenantScope, deliveryId: string): Promise<DispatchableDelivery | null> {
    const [row] = await this.sql.rows<DispatchableDelivery>(sql`
      SELECT ${COLUMNS}, e.url, e.key_id AS "keyId", e.sealed_secret AS "sealedSecret", e.disabled_at AS "endpointDisabledAt"
        FROM webhook_deliveries d JOIN webhook_endpoints e ON e.tenant_id = d.tenant_id AND e.id = d.endpoint_id
       WHERE d.tenant_id = ${tenantId}::uuid AND d.id = ${deliveryId}::uuid AND d.status = 'pending'`);
    return row ?? null;
  }

  /**
   * Records one attempt of a pending delivery: delivered, failed for good (`final`), or
   * still pending (to be retried). Returns the attempts made so far, or null if the
   * delivery was no longer pending (another sender got there first).
   */
  async recordAttempt(tenantId: TenantScope, deliveryId: string, outcome: AttemptOutcome): Promise<number | null> {
    const status = outcome.delivered ? 'delivered' : outcome.final ? 'failed' : 'pending';
    const error = outcome.error === null ? null : outcome.error.slice(0, MAX_DELIVERY_ERROR_LENGTH);
    const [row] = await this.sql.rows<{ attempts: number }>(sql`
      UPDATE webhook_deliveries
         SET attempts = attempts + 1, status = ${status}::webhook_delivery_status, last_status = ${outcome.httpStatus}::int,
             last_error = ${error}::text, last_attempt_at = now(), delivered_at = CASE WHEN ${outcome.delivered}::boolean THEN now() END
       WHERE tenant_id = ${tenantId}::uuid AND id = ${deliveryId}::uuid AND status = 'pending'
      RETURNING attempts`);
    return row?.attempts ?? null;
  }

  /** Gives a pending delivery up without an attempt (its endpoint was disabled). */
  async abandon(tenantId: TenantScope, deliveryId: string, reason: string): Promise<boolean> {
    const changed = await this.sql.count(sql`
      UPDATE webhook_deliveries SET status = 'failed', last_error = ${reason.slice(0, MAX_DELIVERY_ERROR_LENGTH)}::text
       WHERE tenant_id = ${tenantId}::uuid AND id = ${deliveryId}::uuid AND status = 'pending'`);
    return changed > 0;
  }

  /**
   * The sweeper's look over every tenant (each row carries its tenant): pending
   * deliveries that may have no job — never attempted and recorded more than
   * `unattemptedSeconds` ago (a crash between the insert and the queueing, or an
   * event recorded by a process that does not queue), or last attempted longer ago
   * than any backoff delay (`stalledSeconds`: the queue lost the job). Offering them
   * again is harmless: the job id is the delivery id.
   */
  unqueued(unattemptedSeconds: number, stalledSeconds: number, limit: number): Promise<Array<{ tenantId: string; id: string }>> {
    return this.sql.rows<{ tenantId: string; id: string }>(sql`
      SELECT tenant_id::text AS "tenantId", id::text AS id FROM webhook_deliveries
       WHERE status = 'pending'
         AND ((attempts = 0 AND created_at < now() - make_interval(secs => ${unattemptedSeconds}::double precision))
           OR last_attempt_at < now() - make_interval(secs => ${stalledSeconds}::double precision))
       ORDER BY created_at LIMIT ${limit}`);
  }
}
