import type { RouteTable } from './routes';

/**
 * The route tables beyond `/v1` that the OpenAPI document describes: the admin API
 * (tenants, keys, credentials, webhooks, usage) and the tenant's usage/history routes.
 * Each table is declared beside its DTOs; add it here once.
 */
export const OPENAPI_EXTRA_TABLES: RouteTable[] = [];
