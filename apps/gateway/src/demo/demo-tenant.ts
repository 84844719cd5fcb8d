import { Inject, Injectable } from '@nestjs/common';
import { PlatformError, TenantScope, TenantScopes } from '@avatar/contracts';
import { TenantsRepository } from '@avatar/persistence';

/** DI token of DEMO_TENANT_ID (set only when the demo is on). */
export const DEMO_TENANT_ID = Symbol('DEMO_TENANT_ID');

/**
 * The tenant the demo acts for. The demo's routes carry no API key: the operator named
 * the tenant in DEMO_TENANT_ID (development only, refused in production by the config),
 * which is what vouches for it here. A session's routes are further bound to that
 * session by its token (DemoSessionGuard).
 */
@Injectable()
export class DemoTenant {
  readonly scope: TenantScope;

  constructor(
    @Inject(DEMO_TENANT_ID) tenantId: string,
    private readonly tenants: TenantsRepository,
  ) {
    this.scope = TenantScopes.administered(tenantId);
  }

  /**
   * The scope, once the tenant is known to exist and be active: an API key of a
   * disabled tenant stops working, so must the demo (else it would be a way around the
   * disable). Asked before anything new is created for it.
   */
  async activeScope(): Promise<TenantScope> {
    const row = await this.tenants.find(this.scope);
    if (!row) throw new PlatformError('SERVICE_UNAVAILABLE', 'the demo is misconfigured: DEMO_TENANT_ID names no tenant', { tenant_id: this.scope });
    if (row.status !== 'active') throw new PlatformError('FORBIDDEN', 'the demo tenant is disabled', { tenant_id: this.scope });
    return this.scope;
  }
}
