import { createHash, timingSafeEqual } from 'node:crypto';
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { PlatformError } from '@avatar/contracts';
import { bearerToken } from '@avatar/tenancy';
import { GATEWAY_CONFIG, GatewayConfig } from '../../gateway-config';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * `/admin/v1`: `Authorization: Bearer <ADMIN_TOKEN>`, nothing else (a tenant API key is
 * just a wrong token: 401). The comparison is of SHA-256 digests in constant time, so
 * neither the token's content nor its length leaks through timing. Without
 * ADMIN_TOKEN the admin API is off: every route answers 503.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected: Buffer | null;

  constructor(@Inject(GATEWAY_CONFIG) config: Pick<GatewayConfig, 'ADMIN_TOKEN'>) {
    this.expected = config.ADMIN_TOKEN ? digest(config.ADMIN_TOKEN) : null;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) throw new PlatformError('SERVICE_UNAVAILABLE', 'admin API disabled: set ADMIN_TOKEN');
    const token = bearerToken(context.switchToHttp().getRequest<FastifyRequest>().headers.authorization);
    if (!token) throw new PlatformError('UNAUTHORIZED', 'missing admin token: send Authorization: Bearer <ADMIN_TOKEN>');
    if (!timingSafeEqual(digest(token), this.expected)) throw new PlatformError('UNAUTHORIZED', 'invalid admin token');
    return true;
  }
}
