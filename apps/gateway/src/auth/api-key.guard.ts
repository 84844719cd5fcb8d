import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiKeyScope, PlatformError } from '@avatar/contracts';
import { bearerToken, hashApiKey } from '@avatar/tenancy';
import { ApiKeyCache } from './api-key-cache';
import type { Principal } from './principal';
import { REQUIRED_SCOPE } from './required-scope.decorator';

export interface AuthenticatedRequest extends FastifyRequest {
  principal: Principal;
}

/**
 * `Authorization: Bearer <tenant api key>` → the request's principal; anything else is
 * 401 (an admin token is not a key). A key without the scope the route names
 * (@RequiredScope) is 403 FORBIDDEN. A route without @RequiredScope is refused: a
 * forgotten scope must not mean "any key".
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeyCache,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const key = bearerToken(request.headers.authorization);
    if (!key) throw new PlatformError('UNAUTHORIZED', 'missing API key: send Authorization: Bearer <api key>');
    const principal = await this.keys.principalFor(hashApiKey(key));
    if (!principal) throw new PlatformError('UNAUTHORIZED', 'invalid, revoked or expired API key');
    const required = this.reflector.getAllAndOverride<ApiKeyScope | undefined>(REQUIRED_SCOPE, [context.getHandler(), context.getClass()]);
    if (!required) throw new PlatformError('INTERNAL_ERROR', 'route declares no required scope');
    if (!principal.scopes.has(required)) {
      throw new PlatformError('FORBIDDEN', `this API key lacks the scope ${required}`, { required_scope: required });
    }
    request.principal = principal;
    this.keys.noteUse(principal);
    return true;
  }
}
