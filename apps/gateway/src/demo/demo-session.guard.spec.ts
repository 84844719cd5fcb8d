import type { ExecutionContext } from '@nestjs/common';
import { PlatformError, TenantScopes } from '@avatar/contracts';
import { signSessionToken } from '@avatar/tenancy';
import { DemoSessionGuard } from './demo-session.guard';
import type { DemoTenant } from './demo-tenant';

const SECRET = 's'.repeat(40);
const DEMO_TENANT = '00000000-0000-4000-8000-00000000de00';
const OTHER_TENANT = '22222222-2222-4222-8222-222222222222';
const SESSION = '11111111-1111-4111-8111-111111111111';
const OTHER_SESSION = '33333333-3333-4333-8333-333333333333';

const guard = new DemoSessionGuard({ SESSION_TOKEN_SECRET: SECRET }, { scope: TenantScopes.ofRecord(DEMO_TENANT) } as DemoTenant);

function context(authorization: string | undefined, sessionId: string = SESSION): ExecutionContext {
  const request = { headers: authorization === undefined ? {} : { authorization }, params: { session_id: sessionId } };
  return { switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
}

const token = (input: { tenantId?: string; sessionId?: string; ttlSeconds?: number; secret?: string } = {}, now = Date.now()) =>
  signSessionToken({ tenantId: input.tenantId ?? DEMO_TENANT, sessionId: input.sessionId ?? SESSION, ttlSeconds: input.ttlSeconds ?? 600 }, input.secret ?? SECRET, now);

/** The error canActivate throws, or null when it lets the request through. */
function refusal(ctx: ExecutionContext): PlatformError | null {
  try {
    expect(guard.canActivate(ctx)).toBe(true);
    return null;
  } catch (err) {
    return err as PlatformError;
  }
}

describe('DemoSessionGuard', () => {
  it("lets through the session's own token of the demo tenant (the path's id in any case)", () => {
    expect(refusal(context(`Bearer ${token()}`))).toBeNull();
    expect(refusal(context(`Bearer ${token()}`, SESSION.toUpperCase()))).toBeNull();
  });

  it.each([
    ['no Authorization header', undefined, /missing session token/],
    ['a Basic header', 'Basic dXNlcjpwYXNz', /missing session token/],
    ['an API key', 'Bearer ak_0123456789abcdefghijklmnopqrstuv', /not a session access token/],
    ['a token signed with another secret', `Bearer ${token({ secret: 'x'.repeat(40) })}`, /not valid/],
    ['an expired token', `Bearer ${token({ ttlSeconds: 60 }, Date.now() - 120_000)}`, /expired/],
    ["another session's token", `Bearer ${token({ sessionId: OTHER_SESSION })}`, /another session/],
    ["another tenant's token for this very session id", `Bearer ${token({ tenantId: OTHER_TENANT })}`, /not of the demo tenant/],
  ])('refuses %s with 401 UNAUTHORIZED', (_name, authorization, message) => {
    const error = refusal(context(authorization));
    expect(error).toBeInstanceOf(PlatformError);
    expect(error).toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
    expect(error!.message).toMatch(message);
  });

  it('refuses a valid token when the path names no session', () => {
    const request = { headers: { authorization: `Bearer ${token()}` }, params: {} };
    const ctx = { switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
    expect(refusal(ctx)).toMatchObject({ code: 'UNAUTHORIZED' });
  });
});
