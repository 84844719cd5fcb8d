import { ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectThrottlerOptions, InjectThrottlerStorage, ThrottlerGuard, ThrottlerLimitDetail, type ThrottlerModuleOptions, type ThrottlerStorage } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PlatformError, RATE_LIMIT_HEADERS, RateLimitedDetails } from '@avatar/contracts';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway-config';
import { IdempotencyStore } from './idempotency.store';
import { idempotentRequestOf } from './idempotent-request';

/**
 * @nestjs/throttler's guard for per-tenant limits: applied by @RateLimit on the route,
 * so it runs after the controller's ApiKeyGuard (the tenant is known; a refused key is
 * never counted). Answers 429 RATE_LIMITED in the platform's envelope with Retry-After
 * and the RateLimit-* headers, which successful answers carry too.
 *
 * Not counted: anything while RATE_LIMITS=off, and a request whose Idempotency-Key is
 * already taken — it is a replay and does no work (the interceptor answers it).
 */
@Injectable()
export class TenantThrottlerGuard extends ThrottlerGuard {
  private static warnedOff = false;

  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly idempotency: IdempotencyStore,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'RATE_LIMITS'>,
  ) {
    super(options, storage, reflector);
    this.headerPrefix = 'RateLimit';
  }

  override async onModuleInit(): Promise<void> {
    await super.onModuleInit();
    if (this.config.RATE_LIMITS === 'off' && !TenantThrottlerGuard.warnedOff) {
      TenantThrottlerGuard.warnedOff = true;
      new Logger('RateLimits').warn('RATE_LIMITS=off: per-tenant rate limits are NOT enforced (for load tests only, never in production)');
    }
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (this.config.RATE_LIMITS === 'off') return true;
    const idempotent = idempotentRequestOf(context.switchToHttp().getRequest<FastifyRequest>(), true);
    return idempotent !== undefined && (await this.idempotency.isTaken(idempotent.recordKey));
  }

  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    // The guard set Retry-After; the RateLimit-* fields describe the window on a 429 too.
    void reply.header(RATE_LIMIT_HEADERS.LIMIT, detail.limit);
    void reply.header(RATE_LIMIT_HEADERS.REMAINING, 0);
    void reply.header(RATE_LIMIT_HEADERS.RESET, detail.timeToExpire);
    const details: RateLimitedDetails = { limit: detail.limit, window_seconds: Math.round(detail.ttl / 1000), retry_after_seconds: detail.timeToBlockExpire };
    throw new PlatformError(
      'RATE_LIMITED',
      `rate limit of ${details.limit} requests per ${details.window_seconds} s reached: retry in ${details.retry_after_seconds} s`,
      details as unknown as Record<string, unknown>,
    );
  }
}
