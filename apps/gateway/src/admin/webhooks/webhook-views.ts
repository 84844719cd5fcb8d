import type { WebhookDeliveryResponse, WebhookEndpointResponse, WebhookEventType } from '@avatar/contracts';
import type { WebhookDeliveryRow, WebhookEndpointRow } from '@avatar/persistence';
import { PlatformError } from '@avatar/contracts';

/** Rows → what the webhook admin routes answer: never a sealed secret, never the event key. */

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

export function endpointView(row: WebhookEndpointRow): WebhookEndpointResponse {
  return { id: row.id, url: row.url, events: row.events as WebhookEventType[], created_at: row.createdAt.toISOString(), disabled_at: iso(row.disabledAt) };
}

export function deliveryView(row: WebhookDeliveryRow): WebhookDeliveryResponse {
  return {
    id: row.id,
    webhook_id: row.endpointId,
    event_type: row.eventType,
    status: row.status,
    attempts: row.attempts,
    last_status: row.lastStatus,
    last_error: row.lastError,
    created_at: row.createdAt.toISOString(),
    last_attempt_at: iso(row.lastAttemptAt),
    delivered_at: iso(row.deliveredAt),
    data: row.payload,
  };
}

/** 404 NOT_FOUND: the tenant has no such endpoint (another tenant's id is just as unknown). */
export const webhookNotFound = (tenantId: string, webhookId: string) =>
  new PlatformError('NOT_FOUND', `tenant ${tenantId} has no webhook ${webhookId}`, { tenant_id: tenantId, webhook_id: webhookId });

export const deliveryNotFound = (tenantId: string, webhookId: string, deliveryId: string) =>
  new PlatformError('NOT_FOUND', `webhook ${webhookId} has no delivery ${deliveryId}`, { tenant_id: tenantId, webhook_id: webhookId, delivery_id: deliveryId });
