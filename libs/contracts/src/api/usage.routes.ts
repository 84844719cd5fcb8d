import type { ErrorCode } from '../errors/error-codes';
import { ADMIN_PREFIX, RouteContract, RouteTable } from './routes';
import { AdminUsageQuery, UsageResponse } from './usage.dto';

/** The admin usage route (Authorization: Bearer <ADMIN_TOKEN>). */
export const ADMIN_USAGE_ROUTES = {
  usage: {
    method: 'GET', path: 'usage', summary: "A tenant's usage over a range, grouped by UTC day, provider or avatar (JSON or CSV)",
    query: AdminUsageQuery, response: UsageResponse, alsoProduces: ['text/csv'],
    errors: ['UNAUTHORIZED', 'SERVICE_UNAVAILABLE', 'VALIDATION_ERROR'] satisfies ErrorCode[],
  },
} as const satisfies Record<string, RouteContract>;

export const ADMIN_USAGE_ROUTE_TABLE: RouteTable = { prefix: ADMIN_PREFIX, security: 'adminToken', operationIdPrefix: 'admin', routes: ADMIN_USAGE_ROUTES };
