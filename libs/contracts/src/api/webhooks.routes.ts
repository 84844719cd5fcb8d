import { z } from 'zod';
import type { ErrorCode } from '../errors/error-codes';
import { ADMIN_PREFIX, RouteContract, RouteTable } from './routes';
import {
  CreateWebhookRequest,
  CreateWebhookResponse,
  ListWebhookDeliveriesQuery,
  ListWebhookDeliveriesResponse,
  ListWebhooksResponse,
  WebhookDeliveryParams,
  WebhookDeliveryResponse,
  WebhookParams,
} from './webhooks.dto';
import { TenantIdParam } from './admin.dto';

/** What every admin route can answer: no or a wrong admin token, or no ADMIN_TOKEN configured. */
const ADMIN_ERRORS = ['UNAUTHORIZED', 'SERVICE_UNAVAILABLE'] as const satisfies ErrorCode[];
const BODY_ERRORS = ['PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'REQUEST_TIMEOUT'] as const satisfies ErrorCode[];

/** The webhook admin routes (relative to `/admin/v1`; ADMIN_TOKEN). */
export const WEBHOOK_ADMIN_ROUTES = {
  createWebhook: {
    method: 'POST', path: 'tenants/:tenant_id/webhooks', summary: "Register a webhook endpoint for the tenant's events; answers its signing secret, once",
    params: TenantIdParam, body: CreateWebhookRequest, response: CreateWebhookResponse, status: 201,
    // SERVICE_UNAVAILABLE also when CREDENTIALS_KEY (which seals the secret) is unset; QUOTA_EXCEEDED past MAX_WEBHOOK_ENDPOINTS_PER_TENANT.
    errors: ['VALIDATION_ERROR', ...ADMIN_ERRORS, 'NOT_FOUND', 'QUOTA_EXCEEDED', ...BODY_ERRORS],
  },
  listWebhooks: {
    method: 'GET', path: 'tenants/:tenant_id/webhooks', summary: "The tenant's webhook endpoints (never their secrets)",
    params: TenantIdParam, response: ListWebhooksResponse, errors: ['VALIDATION_ERROR', ...ADMIN_ERRORS, 'NOT_FOUND'],
  },
  deleteWebhook: {
    method: 'DELETE', path: 'tenants/:tenant_id/webhooks/:webhook_id', summary: 'Disable an endpoint: nothing more is delivered to it; its deliveries stay visible',
    params: WebhookParams, response: z.undefined(), status: 204, errors: ['VALIDATION_ERROR', ...ADMIN_ERRORS, 'NOT_FOUND'],
  },
  listDeliveries: {
    method: 'GET', path: 'tenants/:tenant_id/webhooks/:webhook_id/deliveries', summary: "An endpoint's deliveries, newest first, with their attempts",
    params: WebhookParams, query: ListWebhookDeliveriesQuery, response: ListWebhookDeliveriesResponse, errors: ['VALIDATION_ERROR', ...ADMIN_ERRORS, 'NOT_FOUND'],
  },
  retryDelivery: {
    method: 'POST', path: 'tenants/:tenant_id/webhooks/:webhook_id/deliveries/:delivery_id/retry', summary: 'Queue a failed (or waiting) delivery again, now',
    params: WebhookDeliveryParams, response: WebhookDeliveryResponse, status: 202, errors: ['VALIDATION_ERROR', ...ADMIN_ERRORS, 'NOT_FOUND'],
  },
} as const satisfies Record<string, RouteContract>;

export const WEBHOOK_ADMIN_ROUTE_TABLE: RouteTable = { prefix: ADMIN_PREFIX, security: 'adminToken', operationIdPrefix: 'admin', routes: WEBHOOK_ADMIN_ROUTES };
