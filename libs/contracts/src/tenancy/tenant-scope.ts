/**
 * The tenant a query is scoped to. Repositories take it instead of a string, so an
 * unscoped query, or one scoped by an id read from a request body, does not compile:
 * a TenantScope comes only from the three constructors below, each named for the one
 * place allowed to vouch for the tenant (tenant-scope.spec.ts checks the callers).
 */
declare const TENANT_SCOPE: unique symbol;
export type TenantScope = string & { readonly [TENANT_SCOPE]: true };

export const TenantScopes = {
  /** The tenant an API key or session token proved (the gateway's and notifier's auth layer only). */
  authenticated(tenantId: string): TenantScope {
    return tenantId as TenantScope;
  },
  /** The tenant an operator named (admin API and CLI only). */
  administered(tenantId: string): TenantScope {
    return tenantId as TenantScope;
  },
  /**
   * The tenant the platform itself recorded: a queued job, a command or event subject,
   * a row read by a cross-tenant sweep. Never for ids a client sent.
   */
  ofRecord(tenantId: string): TenantScope {
    return tenantId as TenantScope;
  },
} as const;
