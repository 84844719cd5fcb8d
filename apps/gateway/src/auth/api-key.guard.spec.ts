import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiKeyScope, TenantScopes } from '@avatar/contracts';
import { hashApiKey } from '@avatar/tenancy';
import { caughtPlatformError } from '@avatar/testing';
import type { ApiKeyCache } from './api-key-cache';
import { ApiKeyGuard, AuthenticatedRequest } from './api-key.guard';
import type { Principal } from './principal';
import { RequiredScope } from './required-scope.decorator';

const KEY = 'ak_the-tenant-key';
const READER: Principal = { tenant: TenantScopes.ofRecord('tenant-1'), keyId: 'key-1', scopes: new Set<ApiKeyScope>(['sessions:read']) };

/** Routes as a controller declares them; the guard reads their @RequiredScope. */
class Routes {
  @RequiredScope('sessions:read')
  read(): void {}

  @RequiredScope('sessions:write')
  write(): void {}

  forgotten(): void {}
}

@RequiredScope('usage:read')
class UsageRoutes {
  report(): void {}
}

function setup(known: Record<string, Principal> = { [hashApiKey(KEY)]: READER }) {
  const keys = {
    principalFor: jest.fn(async (hash: string) => known[hash] ?? null),
    noteUse: jest.fn(),
  };
  const guard = new ApiKeyGuard(keys as unknown as ApiKeyCache, new Reflector());
  const call = (authorization: string | undefined, handler: (...args: never[]) => unknown = Routes.prototype.read, controller: new () => unknown = Routes) => {
    const request = { headers: authorization === undefined ? {} : { authorization } } as AuthenticatedRequest;
    const context = {
      switchToHttp: () => ({ getRequest: () => request }),
      getHandler: () => handler,
      getClass: () => controller,
    } as unknown as ExecutionContext;
    return { request, result: guard.canActivate(context) };
  };
  return { keys, call };
}

describe('ApiKeyGuard', () => {
  it.each([
    ['no Authorization header', undefined],
    ['a header that is not a bearer token', `Basic ${KEY}`],
    ['an empty bearer token', 'Bearer '],
  ])('answers 401 UNAUTHORIZED for %s, without looking anything up', async (_case, authorization) => {
    const t = setup();

    const err = await caughtPlatformError(t.call(authorization).result);

    expect(err.code).toBe('UNAUTHORIZED');
    expect(err.status).toBe(401);
    expect(t.keys.principalFor).not.toHaveBeenCalled();
  });

  it('answers 401 UNAUTHORIZED for an unknown, revoked or expired key (the cache knows no principal for its hash)', async () => {
    const t = setup();

    const err = await caughtPlatformError(t.call('Bearer ak_not-a-key-of-anyone').result);

    expect(err.code).toBe('UNAUTHORIZED');
    expect(err.status).toBe(401);
    expect(t.keys.principalFor).toHaveBeenCalledWith(hashApiKey('ak_not-a-key-of-anyone'));
    expect(t.keys.noteUse).not.toHaveBeenCalled();
  });

  it('answers 403 FORBIDDEN naming the required scope when the key lacks it, and notes no use', async () => {
    const t = setup();

    const { request, result } = t.call(`Bearer ${KEY}`, Routes.prototype.write);
    const err = await caughtPlatformError(result);

    expect(err.code).toBe('FORBIDDEN');
    expect(err.status).toBe(403);
    expect(err.details).toEqual({ required_scope: 'sessions:write' });
    expect(request.principal).toBeUndefined();
    expect(t.keys.noteUse).not.toHaveBeenCalled();
  });

  it('reads a scope declared on the controller class as well', async () => {
    const t = setup();

    const err = await caughtPlatformError(t.call(`Bearer ${KEY}`, UsageRoutes.prototype.report, UsageRoutes).result);

    expect(err.details).toEqual({ required_scope: 'usage:read' });
  });

  it('refuses a route that declares no required scope, even for a key with every scope', async () => {
    const t = setup({ [hashApiKey(KEY)]: { ...READER, scopes: new Set<ApiKeyScope>(['sessions:read', 'sessions:write', 'usage:read']) } });

    const { request, result } = t.call(`Bearer ${KEY}`, Routes.prototype.forgotten);
    const err = await caughtPlatformError(result);

    // A server bug (the route forgot to declare its scope), not the client's fault.
    expect(err.code).toBe('INTERNAL_ERROR');
    expect(request.principal).toBeUndefined();
    expect(t.keys.noteUse).not.toHaveBeenCalled();
  });

  it('lets a key with the scope through: the request carries its principal and the use is noted', async () => {
    const t = setup();

    const { request, result } = t.call(`bearer ${KEY}`);

    await expect(result).resolves.toBe(true);
    expect(t.keys.principalFor).toHaveBeenCalledWith(hashApiKey(KEY));
    expect(request.principal).toBe(READER);
    expect(t.keys.noteUse).toHaveBeenCalledWith(READER);
  });
});
