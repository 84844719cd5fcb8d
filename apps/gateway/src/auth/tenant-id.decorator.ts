import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { TenantScope } from '@avatar/contracts';
import type { AuthenticatedRequest } from './api-key.guard';

/** The authenticated tenant of the request (set by ApiKeyGuard). */
export const TenantId = createParamDecorator((_data: unknown, context: ExecutionContext): TenantScope => {
  return context.switchToHttp().getRequest<AuthenticatedRequest>().principal.tenant;
});
