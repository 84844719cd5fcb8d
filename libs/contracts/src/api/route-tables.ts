import type { RouteTable } from './routes';
import { ADMIN_ROUTE_TABLE } from './admin-routes';
import { WEBHOOK_ADMIN_ROUTE_TABLE } from './webhooks.routes';
import { ADMIN_USAGE_ROUTE_TABLE } from './usage.routes';
import { COMPAT_ROUTE_TABLE } from './compat.routes';

/**
 * The route tables beyond `/v1` that the OpenAPI document describes: the admin API
 * (tenants, keys, credentials, webhooks, usage), the tenant's usage/history routes and
 * the Avaturn-compatible API (`/api/v1`).
 * Each table is declared beside its DTOs; add it here once.
 */
export const OPENAPI_EXTRA_TABLES: RouteTable[] = [ADMIN_ROUTE_TABLE, WEBHOOK_ADMIN_ROUTE_TABLE, ADMIN_USAGE_ROUTE_TABLE, COMPAT_ROUTE_TABLE];
