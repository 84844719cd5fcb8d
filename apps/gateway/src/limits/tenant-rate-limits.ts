import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { RATE_LIMIT_RULES, RateLimitKey } from '@avatar/contracts';
import type { AuthenticatedRequest } from '../auth/api-key.guard';
import { TenantSettingsCache } from '../tenancy/tenant-settings.cache';

/** Metadata key of @RateLimit: the limit a route counts against. */
export const RATE_LIMIT_METADATA = 'avatar:rate-limit';

/**
 * What the throttler needs per request, from the route's @RateLimit and the tenant's
 * settings: whether it is limited, by how much, over which window, and the counter.
 */
@Injectable()
export class TenantRateLimits {
  constructor(
    private readonly reflector: Reflector,
    private readonly settings: TenantSettingsCache,
  ) {}

  keyOf(context: ExecutionContext): RateLimitKey | undefined {
    return this.reflector.getAllAndOverride<RateLimitKey | undefined>(RATE_LIMIT_METADATA, [context.getHandler(), context.getClass()]);
  }

  /** Limited: the route names a limit and the request is authenticated (ApiKeyGuard ran first). */
  appliesTo(context: ExecutionContext): boolean {
    return this.keyOf(context) !== undefined && this.principalOf(context) !== undefined;
  }

  /** The tenant's own limit, else the platform default (TenantSettingsCache merges them). */
  async limitOf(context: ExecutionContext): Promise<number> {
    const { limits } = await this.settings.settingsOf(this.principalOf(context)!.tenant);
    return limits[this.ruleOf(context).setting];
  }

  windowMsOf(context: ExecutionContext): number {
    return this.ruleOf(context).windowSeconds * 1000;
  }

  /** Counted per tenant (not per IP or key): every key of a tenant shares its limits. */
  trackerOf(request: Record<string, any>): string {
    return (request as AuthenticatedRequest).principal.tenant;
  }

  /** One counter per tenant and limit, whichever route or gateway counts against it. */
  counterKeyOf(context: ExecutionContext, tracker: string): string {
    return `ratelimit:${this.keyOf(context)}:${tracker}`;
  }

  private ruleOf(context: ExecutionContext) {
    return RATE_LIMIT_RULES[this.keyOf(context)!];
  }

  private principalOf(context: ExecutionContext) {
    return context.switchToHttp().getRequest<Partial<AuthenticatedRequest>>().principal;
  }
}
