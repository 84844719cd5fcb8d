import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { PlatformError } from '@avatar/contracts';
import { bearerToken, hashApiKey } from '@avatar/tenancy';
import { ApiKeyCache } from './api-key-cache';

export interface AuthenticatedRequest extends FastifyRequest {
  tenantId: string;
}

/** `Authorization: Bearer <tenant api key>` → the request's tenant; anything else is 401. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly keys: ApiKeyCache) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const key = bearerToken(request.headers.authorization);
    if (!key) throw new PlatformError('UNAUTHORIZED', 'missing API key: send Authorization: Bearer <api key>');
    const tenantId = await this.keys.tenantFor(hashApiKey(key));
    if (!tenantId) throw new PlatformError('UNAUTHORIZED', 'invalid or revoked API key');
    request.tenantId = tenantId;
    return true;
  }
}
