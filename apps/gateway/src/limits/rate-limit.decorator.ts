import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import type { RateLimitKey } from '@avatar/contracts';
import { RATE_LIMIT_METADATA } from './tenant-rate-limits';
import { TenantThrottlerGuard } from './tenant-throttler.guard';

/**
 * Counts the route against one of the tenant's rate limits (RATE_LIMIT_RULES:
 * sessions, speak, chat). A method-level guard runs after the controller's
 * @UseGuards(ApiKeyGuard), so the tenant is known when it counts.
 */
export const RateLimit = (key: RateLimitKey) => applyDecorators(SetMetadata(RATE_LIMIT_METADATA, key), UseGuards(TenantThrottlerGuard));
