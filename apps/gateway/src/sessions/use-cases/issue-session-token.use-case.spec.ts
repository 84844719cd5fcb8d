import { TenantScopes } from '@avatar/contracts';
import type { SessionRow, SessionsRepository } from '@avatar/persistence';
import { verifySessionToken } from '@avatar/tenancy';
import { caughtPlatformError, sessionRow } from '@avatar/testing';
import type { GatewayConfig } from '../../gateway-config';
import type { TenantSettingsCache } from '../../tenancy/tenant-settings.cache';
import { IssueSessionTokenUseCase } from './issue-session-token.use-case';

const TENANT = TenantScopes.ofRecord('tenant-1');
const SESSION = 'session-1';
const SECRET = 'a-session-token-secret-of-32-chars!!';
const CONFIG = { SESSION_TOKEN_SECRET: SECRET, SESSION_TOKEN_TTL_SECONDS: 900 } as unknown as GatewayConfig;

function setup(session: SessionRow | null, wsMessagesPerSecond = 100) {
  const sessions = { find: jest.fn().mockResolvedValue(session) };
  const tenantSettings = { settingsOf: jest.fn(async () => ({ limits: { ws_messages_per_second: wsMessagesPerSecond } })) };
  return { useCase: new IssueSessionTokenUseCase(sessions as unknown as SessionsRepository, CONFIG, tenantSettings as unknown as TenantSettingsCache), sessions, tenantSettings };
}

describe('IssueSessionTokenUseCase', () => {
  it.each(['created', 'active'] as const)('issues a token bound to the tenant and a %s session, with its lifetime', async (status) => {
    const t = setup(sessionRow({ id: SESSION, status }));
    const before = Math.floor(Date.now() / 1000);

    const response = await t.useCase.execute(TENANT, SESSION);

    expect(t.sessions.find).toHaveBeenCalledWith(TENANT, SESSION);
    expect(response.expires_in).toBe(900);
    const check = verifySessionToken(response.access_token, SECRET, SESSION);
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    expect(check.claims).toMatchObject({ tid: TENANT, sid: SESSION });
    expect(check.claims.exp - check.claims.iat).toBe(900);
    expect(check.claims.iat).toBeGreaterThanOrEqual(before);
  });

  it('answers SESSION_NOT_FOUND for a session the tenant does not have', async () => {
    const err = await caughtPlatformError(setup(null).useCase.execute(TENANT, SESSION));

    expect(err.code).toBe('SESSION_NOT_FOUND');
    expect(err.details).toEqual({ session_id: SESSION });
  });

  it('refuses a stopped session with SESSION_NOT_ACTIVE', async () => {
    const err = await caughtPlatformError(setup(sessionRow({ id: SESSION, status: 'stopped' })).useCase.execute(TENANT, SESSION));

    expect(err.code).toBe('SESSION_NOT_ACTIVE');
    expect(err.status).toBe(409);
    expect(err.details).toEqual({ session_id: SESSION, status: 'stopped' });
  });

  it("puts the tenant's current WebSocket message rate in the token (claim wsr)", async () => {
    const t = setup(sessionRow({ id: SESSION, status: 'active' }), 5);

    const response = await t.useCase.execute(TENANT, SESSION);

    expect(t.tenantSettings.settingsOf).toHaveBeenCalledWith(TENANT);
    expect(verifySessionToken(response.access_token, SECRET, SESSION)).toEqual({ ok: true, claims: expect.objectContaining({ wsr: 5 }) });
  });
});
