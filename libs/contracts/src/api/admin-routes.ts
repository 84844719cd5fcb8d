import { z } from 'zod';
import type { ErrorCode } from '../errors/error-codes';
import { ADMIN_PREFIX, RouteContract, RouteTable } from './routes';
import {
  ApiKeyIdParam,
  CreateApiKeyRequest,
  CreatedApiKeyResponse,
  CreateTenantRequest,
  CredentialParam,
  CredentialSummary,
  DisableTenantResponse,
  ListApiKeysResponse,
  ListCredentialsResponse,
  ListTenantsQuery,
  ListTenantsResponse,
  PutCredentialsRequest,
  RotateApiKeyRequest,
  RotatedApiKeyResponse,
  ApiKeySummary,
  TenantIdParam,
  TenantResponse,
  UpdateTenantRequest,
} from './admin.dto';

/** Every admin route: a wrong or missing ADMIN_TOKEN, or no ADMIN_TOKEN configured (503). */
const ADMIN_ERRORS = ['UNAUTHORIZED', 'SERVICE_UNAVAILABLE'] as const satisfies ErrorCode[];
/** What any POST/PUT/PATCH can answer before its body is read, even one that takes no body. */
const EDGE_ERRORS = ['PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'REQUEST_TIMEOUT'] as const satisfies ErrorCode[];
const BODY_ERRORS = ['VALIDATION_ERROR', ...EDGE_ERRORS] as const satisfies ErrorCode[];

/** The admin API (`/admin/v1`, Authorization: Bearer <ADMIN_TOKEN>): tenants, their keys and vendor credentials. */
export const ADMIN_ROUTES = {
  createTenant: {
    method: 'POST', path: 'tenants', summary: 'Create a tenant', status: 201,
    body: CreateTenantRequest, response: TenantResponse, errors: [...ADMIN_ERRORS, ...BODY_ERRORS],
  },
  listTenants: {
    method: 'GET', path: 'tenants', summary: 'Tenants by id, a page at a time (filter by status)',
    query: ListTenantsQuery, response: ListTenantsResponse, errors: [...ADMIN_ERRORS, 'VALIDATION_ERROR'],
  },
  getTenant: {
    method: 'GET', path: 'tenants/:tenant_id', summary: 'One tenant with its settings',
    params: TenantIdParam, response: TenantResponse, errors: [...ADMIN_ERRORS, 'VALIDATION_ERROR', 'NOT_FOUND'],
  },
  updateTenant: {
    method: 'PATCH', path: 'tenants/:tenant_id', summary: "Change a tenant's name or settings (each settings object given replaces the stored one)",
    params: TenantIdParam, body: UpdateTenantRequest, response: TenantResponse, errors: [...ADMIN_ERRORS, ...BODY_ERRORS, 'NOT_FOUND'],
  },
  disableTenant: {
    method: 'POST', path: 'tenants/:tenant_id/disable', summary: 'Disable a tenant: its keys stop working at once, its running sessions stop (tenant_disabled)',
    params: TenantIdParam, response: DisableTenantResponse, errors: [...ADMIN_ERRORS, ...BODY_ERRORS, 'NOT_FOUND'],
  },
  enableTenant: {
    method: 'POST', path: 'tenants/:tenant_id/enable', summary: 'Enable a disabled tenant again (its keys work again)',
    params: TenantIdParam, response: TenantResponse, errors: [...ADMIN_ERRORS, ...BODY_ERRORS, 'NOT_FOUND'],
  },
  createApiKey: {
    method: 'POST', path: 'tenants/:tenant_id/api-keys', summary: 'Create an API key (the secret is shown in this answer only)', status: 201,
    params: TenantIdParam, body: CreateApiKeyRequest, response: CreatedApiKeyResponse, errors: [...ADMIN_ERRORS, ...BODY_ERRORS, 'NOT_FOUND'],
  },
  listApiKeys: {
    method: 'GET', path: 'tenants/:tenant_id/api-keys', summary: "A tenant's API keys (never their secrets)",
    params: TenantIdParam, response: ListApiKeysResponse, errors: [...ADMIN_ERRORS, 'VALIDATION_ERROR', 'NOT_FOUND'],
  },
  rotateApiKey: {
    method: 'POST', path: 'tenants/:tenant_id/api-keys/:key_id/rotate', summary: 'A new secret for the key; the old one works for grace_seconds more', status: 201,
    params: ApiKeyIdParam, body: RotateApiKeyRequest, response: RotatedApiKeyResponse, errors: [...ADMIN_ERRORS, ...BODY_ERRORS, 'NOT_FOUND'],
  },
  revokeApiKey: {
    method: 'POST', path: 'tenants/:tenant_id/api-keys/:key_id/revoke', summary: 'Revoke a key at once, on every gateway (repeatable)',
    params: ApiKeyIdParam, response: ApiKeySummary, errors: [...ADMIN_ERRORS, ...BODY_ERRORS, 'NOT_FOUND'],
  },
  putCredentials: {
    method: 'PUT', path: 'tenants/:tenant_id/credentials/:provider', summary: "Set (replace) the tenant's credentials for a vendor; stored encrypted, never returned",
    params: CredentialParam, body: PutCredentialsRequest, response: CredentialSummary, errors: [...ADMIN_ERRORS, ...BODY_ERRORS, 'NOT_FOUND'],
  },
  listCredentials: {
    method: 'GET', path: 'tenants/:tenant_id/credentials', summary: 'Which vendors the tenant has credentials for, with field names only',
    params: TenantIdParam, response: ListCredentialsResponse, errors: [...ADMIN_ERRORS, 'VALIDATION_ERROR', 'NOT_FOUND'],
  },
  deleteCredentials: {
    method: 'DELETE', path: 'tenants/:tenant_id/credentials/:provider', summary: "Delete the tenant's credentials for a vendor", status: 204,
    params: CredentialParam, response: z.undefined(), errors: [...ADMIN_ERRORS, 'VALIDATION_ERROR', 'NOT_FOUND'],
  },
} as const satisfies Record<string, RouteContract>;

export const ADMIN_ROUTE_TABLE: RouteTable = { prefix: ADMIN_PREFIX, security: 'adminToken', operationIdPrefix: 'admin', routes: ADMIN_ROUTES };
