import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { PlatformError } from '@avatar/contracts';
import { bearerToken, verifySessionToken } from '@avatar/tenancy';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway-config';
import { DemoTenant } from './demo-tenant';

const REASONS = {
  malformed: 'not a session access token',
  bad_signature: 'the session access token is not valid',
  expired: 'the session access token has expired',
  wrong_session: 'the session access token is for another session',
} as const;

/**
 * A demo session's routes (`/demo/api/sessions/:session_id/...`): `Authorization:
 * Bearer <that session's access token>`, the token the page got when it created the
 * session, so the page holds no API key, as a real frontend would not. The token must
 * be valid, unexpired, for the session in the path and of the demo tenant; anything
 * else (an API key, another session's token, another tenant's) is 401.
 */
@Injectable()
export class DemoSessionGuard implements CanActivate {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'SESSION_TOKEN_SECRET'>,
    private readonly demo: DemoTenant,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest<{ Params: { session_id?: string } }>>();
    const token = bearerToken(request.headers.authorization);
    if (!token) throw new PlatformError('UNAUTHORIZED', "missing session token: send Authorization: Bearer <the session's access_token>");
    // Session ids are matched lower-cased everywhere (entityId); the token carries the issued, lower-case one.
    const sessionId = String(request.params?.session_id ?? '').toLowerCase();
    const check = verifySessionToken(token, this.config.SESSION_TOKEN_SECRET, sessionId);
    if (!check.ok) throw new PlatformError('UNAUTHORIZED', REASONS[check.reason]);
    if (check.claims.tid !== this.demo.scope) throw new PlatformError('UNAUTHORIZED', 'the session access token is not of the demo tenant');
    return true;
  }
}
