import { z } from 'zod';
import { entityId, safeText } from './fields';

/** Webhooks (docs/adr/0010): a tenant's endpoints and their deliveries, managed through the admin API. */

/** The events a tenant can subscribe an endpoint to. */
export const WEBHOOK_EVENT_TYPES = ['session.started', 'session.stopped', 'task.failed', 'quota.warning', 'quota.exhausted'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

export const MAX_WEBHOOK_URL_LENGTH = 2048;
/**
 * Active endpoints one tenant may have: every event is one delivery per subscribed
 * endpoint, so this bounds the fan-out of each event.
 */
export const MAX_WEBHOOK_ENDPOINTS_PER_TENANT = 20;

const webhookUrl = safeText()
  .max(MAX_WEBHOOK_URL_LENGTH)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0;
    } catch {
      return false;
    }
  }, 'must be an absolute http or https URL');

export const WebhookParams = z.strictObject({ tenant_id: entityId('tenant_id'), webhook_id: entityId('webhook_id') });
export type WebhookParams = z.infer<typeof WebhookParams>;
export const WebhookDeliveryParams = z.strictObject({ tenant_id: entityId('tenant_id'), webhook_id: entityId('webhook_id'), delivery_id: entityId('delivery_id') });
export type WebhookDeliveryParams = z.infer<typeof WebhookDeliveryParams>;

export const CreateWebhookRequest = z.strictObject({
  url: webhookUrl,
  events: z
    .array(z.enum(WEBHOOK_EVENT_TYPES))
    .min(1, 'must name at least one event type')
    .max(WEBHOOK_EVENT_TYPES.length)
    .refine((events) => new Set(events).size === events.length, 'must not repeat an event type'),
});
export type CreateWebhookRequest = z.infer<typeof CreateWebhookRequest>;

export const WebhookEndpointResponse = z.object({
  id: z.uuid(),
  url: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
  created_at: z.iso.datetime(),
  /** Set once the endpoint is deleted (or answered 410 Gone): nothing more is delivered to it. */
  disabled_at: z.iso.datetime().nullable(),
});
export type WebhookEndpointResponse = z.infer<typeof WebhookEndpointResponse>;

export const CreateWebhookResponse = z.object({
  id: z.uuid(),
  url: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
  /** The signing secret (`whsec_…`): shown this once, never again. */
  secret: z.string(),
  created_at: z.iso.datetime(),
});
export type CreateWebhookResponse = z.infer<typeof CreateWebhookResponse>;

export const ListWebhooksResponse = z.object({ webhooks: z.array(WebhookEndpointResponse) });
export type ListWebhooksResponse = z.infer<typeof ListWebhooksResponse>;

/**
 * The deliveries list's cursor, opaque to clients: base64url of the (created_at, id)
 * of the last delivery of a page (newest first). One that does not decode is a 400.
 */
export const deliveryCursor = {
  encode(last: { createdAt: Date; id: string }): string {
    return Buffer.from(`d:${last.createdAt.toISOString()}|${last.id}`, 'utf8').toString('base64url');
  },
  decode(cursor: string): { createdAt: Date; id: string } | null {
    const match = /^d:([0-9T:.Z-]{24})\|(.+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!match || !z.uuid().safeParse(match[2]).success) return null;
    const createdAt = new Date(match[1]);
    return Number.isNaN(createdAt.getTime()) ? null : { createdAt, id: match[2].toLowerCase() };
  },
};

export const ListWebhookDeliveriesQuery = z.strictObject({
  status: z.enum(WEBHOOK_DELIVERY_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  /** next_cursor of the previous page. */
  cursor: z
    .string()
    .max(200)
    .transform((cursor, ctx) => {
      const after = deliveryCursor.decode(cursor);
      if (after === null) {
        ctx.addIssue({ code: 'custom', message: 'not a cursor this API issued' });
        return z.NEVER;
      }
      return after;
    })
    .optional(),
});
export type ListWebhookDeliveriesQuery = z.infer<typeof ListWebhookDeliveriesQuery>;

export const WebhookDeliveryResponse = z.object({
  /** Also the Webhook-Id header and the body's `id`: the same on every attempt. */
  id: z.uuid(),
  webhook_id: z.uuid(),
  event_type: z.string(),
  status: z.enum(WEBHOOK_DELIVERY_STATUSES),
  attempts: z.number().int(),
  /** HTTP status of the last attempt; null before the first or when it got no answer. */
  last_status: z.number().int().nullable(),
  /** Why the last attempt failed (a status line or a network error), bounded. */
  last_error: z.string().nullable(),
  created_at: z.iso.datetime(),
  last_attempt_at: z.iso.datetime().nullable(),
  delivered_at: z.iso.datetime().nullable(),
  /** The event's `data` as sent. */
  data: z.record(z.string(), z.unknown()),
});
export type WebhookDeliveryResponse = z.infer<typeof WebhookDeliveryResponse>;

export const ListWebhookDeliveriesResponse = z.object({
  deliveries: z.array(WebhookDeliveryResponse),
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  next_cursor: z.string().nullable(),
});
export type ListWebhookDeliveriesResponse = z.infer<typeof ListWebhookDeliveriesResponse>;

/**
 * What a receiver gets: the JSON body of every delivery (headers Webhook-Id,
 * Webhook-Timestamp, Webhook-Signature; libs/tenancy webhook-signature.ts).
 */
export interface WebhookBody {
  /** The delivery id (= Webhook-Id): the same on every retry of this event to this endpoint. */
  id: string;
  type: WebhookEventType;
  /** When the delivery was recorded (ISO). */
  created_at: string;
  tenant_id: string;
  data: Record<string, unknown>;
}
