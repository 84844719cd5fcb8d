import { PlatformError, TenantScopes } from '@avatar/contracts';
import type { CreateResult, SessionRow, SessionsRepository, NewSession } from '@avatar/persistence';
import { verifySessionToken } from '@avatar/tenancy';
import { caughtPlatformError } from '@avatar/testing';
import type { GatewayConfig } from '../../gateway-config';
import type { TenantSettingsCache } from '../../tenancy/tenant-settings.cache';
import type { MonthlyMinutesQuota } from '../../usage/monthly-minutes.quota';
import type { ProviderAvailability } from '../../providers/provider-availability';
import { CreateSessionUseCase, DEFAULT_AVATAR_ID } from './create-session.use-case';

const TENANT = TenantScopes.ofRecord('tenant-1');
const SECRET = 'a-session-token-secret-of-32-chars!!';
const CONFIG = {
  ICE_SERVERS: [{ urls: 'stun:stun.example.org:3478' }],
  SESSION_TOKEN_SECRET: SECRET,
  SESSION_TOKEN_TTL_SECONDS: 600,
} as unknown as GatewayConfig;

function setup(wsMessagesPerSecond = 100, maxActiveSessions = 20, defaultProvider?: string) {
  const tenantSettings = {
    settingsOf: jest.fn(async () => ({
      limits: { ws_messages_per_second: wsMessagesPerSecond },
      quotas: { max_active_sessions: maxActiveSessions },
      providers: defaultProvider ? { default: defaultProvider } : {},
    })),
  };
  const sessions = {
    create: jest.fn(
      async (tenantId: string, data: NewSession, _quota: { maxLive: number }): Promise<CreateResult> => ({
        outcome: 'created',
        session: { ...data, tenantId, status: 'created' } as unknown as SessionRow,
      }),
    ),
  };
  const monthlyMinutes = { assertAvailable: jest.fn().mockResolvedValue(undefined) };
  // Every provider is configured unless a test says otherwise.
  const availability = { assertAvailable: jest.fn().mockResolvedValue(undefined) };
  const useCase = new CreateSessionUseCase(
    sessions as unknown as SessionsRepository,
    CONFIG,
    tenantSettings as unknown as TenantSettingsCache,
    monthlyMinutes as unknown as MonthlyMinutesQuota,
    availability as unknown as ProviderAvailability,
  );
  return { useCase, sessions, tenantSettings, monthlyMinutes, availability };
}

describe('CreateSessionUseCase', () => {
  it('records the session for the tenant with the requested provider, avatar, voice and quality', async () => {
    const t = setup();

    const response = await t.useCase.execute(TENANT, { quality: 'high', provider: 'local', avatar_id: 'avatar_7', voice_id: 'voice_2' });

    expect(t.sessions.create).toHaveBeenCalledWith(
      TENANT,
      { id: response.session_id, provider: 'local', avatarId: 'avatar_7', voiceId: 'voice_2', quality: 'high' },
      expect.anything(),
    );
  });

  it('defaults to the local provider and the default avatar', async () => {
    const t = setup();

    await t.useCase.execute(TENANT, { quality: 'medium' });

    expect(t.sessions.create.mock.calls[0][1]).toMatchObject({ provider: 'local', avatarId: DEFAULT_AVATAR_ID, voiceId: undefined, quality: 'medium' });
  });

  it("uses the tenant's default provider for a session that names none, and the named one otherwise", async () => {
    // Any name stands for a vendor here: the use case passes the tenant's choice through.
    const t = setup(100, 20, 'vendor_x');

    await t.useCase.execute(TENANT, { quality: 'medium' });
    await t.useCase.execute(TENANT, { quality: 'medium', provider: 'local' });

    expect(t.sessions.create.mock.calls.map((call) => call[1].provider)).toEqual(['vendor_x', 'local']);
  });

  it('records the requested idle timeout and max duration, and none (the platform defaults) when not asked', async () => {
    const t = setup();

    await t.useCase.execute(TENANT, { quality: 'medium', idle_timeout: 45, max_duration: 600 });
    await t.useCase.execute(TENANT, { quality: 'medium' });

    expect(t.sessions.create.mock.calls[0][1]).toMatchObject({ idleTimeoutS: 45, maxDurationS: 600 });
    expect(t.sessions.create.mock.calls[1][1].idleTimeoutS).toBeUndefined();
    expect(t.sessions.create.mock.calls[1][1].maxDurationS).toBeUndefined();
  });

  it('gives every session a fresh UUID', async () => {
    const t = setup();

    const first = await t.useCase.execute(TENANT, { quality: 'low' });
    const second = await t.useCase.execute(TENANT, { quality: 'low' });

    expect(first.session_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(second.session_id).not.toBe(first.session_id);
  });

  it('answers the configured ICE servers', async () => {
    const t = setup();

    const response = await t.useCase.execute(TENANT, { quality: 'low' });

    expect(response.ice_servers).toEqual([{ urls: 'stun:stun.example.org:3478' }]);
  });

  it('answers an access token bound to this tenant and session, expiring after the configured TTL', async () => {
    const t = setup();
    const before = Math.floor(Date.now() / 1000);

    const response = await t.useCase.execute(TENANT, { quality: 'low' });

    const check = verifySessionToken(response.access_token, SECRET, response.session_id);
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    expect(check.claims.tid).toBe(TENANT);
    expect(check.claims.sid).toBe(response.session_id);
    expect(check.claims.exp - check.claims.iat).toBe(600);
    expect(check.claims.iat).toBeGreaterThanOrEqual(before);
    expect(verifySessionToken(response.access_token, 'another-secret-of-thirty-two-chars!!', response.session_id)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it("puts the tenant's WebSocket message rate in the token (claim wsr)", async () => {
    const t = setup(7);

    const response = await t.useCase.execute(TENANT, { quality: 'low' });

    expect(t.tenantSettings.settingsOf).toHaveBeenCalledWith(TENANT);
    expect(verifySessionToken(response.access_token, SECRET, response.session_id)).toEqual({ ok: true, claims: expect.objectContaining({ wsr: 7 }) });
  });

  it("creates within the tenant's max_active_sessions (the repository counts and inserts atomically)", async () => {
    const t = setup(100, 3);

    await t.useCase.execute(TENANT, { quality: 'low' });

    expect(t.sessions.create.mock.calls[0][2]).toEqual({ maxLive: 3 });
  });

  it('answers 429 QUOTA_EXCEEDED {quota: max_active_sessions, limit, current} when the tenant has that many live sessions', async () => {
    const t = setup(100, 3);
    t.sessions.create.mockResolvedValue({ outcome: 'quota_exceeded', limit: 3, current: 3 });

    const err = await caughtPlatformError(t.useCase.execute(TENANT, { quality: 'low' }));

    expect(err.code).toBe('QUOTA_EXCEEDED');
    expect(err.status).toBe(429);
    expect(err.details).toEqual({ quota: 'max_active_sessions', limit: 3, current: 3 });
  });

  it('creates nothing once the month’s minutes are used up', async () => {
    const t = setup();
    const exhausted = new PlatformError('QUOTA_EXCEEDED', 'monthly minutes used up', { quota: 'monthly_minutes' });
    t.monthlyMinutes.assertAvailable.mockRejectedValue(exhausted);

    await expect(t.useCase.execute(TENANT, { quality: 'low' })).rejects.toBe(exhausted);

    expect(t.monthlyMinutes.assertAvailable).toHaveBeenCalledWith(TENANT);
    expect(t.sessions.create).not.toHaveBeenCalled();
  });

  describe('the provider', () => {
    const ENGINE = { type: 'openai-realtime' as const, client_secret: 'ek_1' };

    it.each([
      ['the requested provider', { provider: 'heygen' as const }, 'avaturn', 'heygen'],
      ["the tenant's default when the request names none", {}, 'avaturn', 'avaturn'],
      ['local when neither names one', {}, undefined, 'local'],
    ])('checks that %s is configured for the tenant, and records the session on it', async (_name, request, tenantDefault, expected) => {
      const t = setup(100, 20, tenantDefault);

      await t.useCase.execute(TENANT, { quality: 'medium', ...request });

      expect(t.availability.assertAvailable).toHaveBeenCalledWith(TENANT, expected);
      expect(t.sessions.create.mock.calls[0][1].provider).toBe(expected);
    });

    it('lets PROVIDER_NOT_CONFIGURED through and records nothing, without looking at the minutes', async () => {
      const t = setup();
      const notConfigured = new PlatformError('PROVIDER_NOT_CONFIGURED', 'heygen is not configured', { provider: 'heygen', needs: ['api_key'] });
      t.availability.assertAvailable.mockRejectedValue(notConfigured);

      await expect(t.useCase.execute(TENANT, { quality: 'low', provider: 'heygen' })).rejects.toBe(notConfigured);

      expect(t.sessions.create).not.toHaveBeenCalled();
      expect(t.monthlyMinutes.assertAvailable).not.toHaveBeenCalled();
    });

    it('keeps a conversation_engine with the session for a provider that takes one (avaturn)', async () => {
      const t = setup();

      await t.useCase.execute(TENANT, { quality: 'medium', provider: 'avaturn', conversation_engine: ENGINE });

      expect(t.sessions.create.mock.calls[0][1]).toMatchObject({ provider: 'avaturn', providerOptions: { conversation_engine: ENGINE } });
    });

    it('records no provider options for a session without a conversation_engine', async () => {
      const t = setup();

      await t.useCase.execute(TENANT, { quality: 'medium', provider: 'avaturn' });

      expect(t.sessions.create.mock.calls[0][1].providerOptions).toBeUndefined();
    });

    it.each([
      ['a named provider that takes none', { provider: 'heygen' as const }, undefined, 'heygen'],
      ["the tenant's default that takes none", {}, 'liveavatar', 'liveavatar'],
      ['local', {}, undefined, 'local'],
    ])('answers 400 VALIDATION_ERROR on conversation_engine for %s, before checking or recording anything', async (_name, request, tenantDefault, provider) => {
      const t = setup(100, 20, tenantDefault);

      const err = await caughtPlatformError(t.useCase.execute(TENANT, { quality: 'medium', conversation_engine: ENGINE, ...request }));

      expect(err.code).toBe('VALIDATION_ERROR');
      expect(err.status).toBe(400);
      expect(err.details).toEqual({ fields: [{ field: 'conversation_engine', message: `not supported by provider ${provider}` }] });
      expect(t.availability.assertAvailable).not.toHaveBeenCalled();
      expect(t.sessions.create).not.toHaveBeenCalled();
    });
  });
});
