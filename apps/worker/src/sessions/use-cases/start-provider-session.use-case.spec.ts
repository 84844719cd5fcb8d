import { Logger } from '@nestjs/common';
import { StartCommand, TenantScopes } from '@avatar/contracts';
import { AvatarProvider, ProviderError, ProviderRegistry, ProviderSessionSpec, StartedProviderSession } from '@avatar/providers';
import type { ProviderConnections } from '../../providers/provider-connections';
import type { ProviderSessionFields, ProviderSessions } from '../../providers/provider-sessions';
import { Metrics } from '@avatar/observability';
import { StartProviderSessionUseCase } from './start-provider-session.use-case';

const SCOPE = { tenantId: TenantScopes.ofRecord('tenant-1'), sessionId: 'session-1' };

type Start = (spec: ProviderSessionSpec) => Promise<StartedProviderSession>;

const provider = (name: string, stateful: boolean) => ({
  name,
  stateful,
  credentialFields: [],
  keepAliveIntervalMs: 0,
  start: jest.fn<ReturnType<Start>, Parameters<Start>>(async () => ({ providerSessionId: `${name}-session` })),
  connect: jest.fn(),
  stop: jest.fn(async () => undefined),
  catalog: jest.fn(),
});

/**
 * The use case over a registry of fake vendors (liveavatar is stateful) and a
 * ProviderSessions whose spec echoes the fields (`notConfigured`: vendors without
 * credentials). `log()` names the vendors whose start was called, in call order.
 */
function setup(notConfigured: string[] = []) {
  const vendors = {
    local: provider('local', false),
    heygen: provider('heygen', false),
    avaturn: provider('avaturn', false),
    liveavatar: provider('liveavatar', true),
  };
  const log = () =>
    Object.values(vendors)
      .flatMap((v) => v.start.mock.invocationCallOrder.map((order) => [order, v.name] as const))
      .sort(([a], [b]) => a - b)
      .map(([, name]) => name);
  const registry = new ProviderRegistry(Object.values(vendors) as unknown as AvatarProvider[]);
  const sessions = {
    spec: jest.fn(async (scope: typeof SCOPE, name: string, fields: ProviderSessionFields): Promise<ProviderSessionSpec> => {
      if (notConfigured.includes(name)) throw new ProviderError(`${name} is not configured`, { kind: 'not_configured', provider: name });
      return {
        tenantId: scope.tenantId,
        sessionId: scope.sessionId,
        avatarId: fields.avatarId,
        voiceId: fields.voiceId ?? undefined,
        quality: fields.quality,
        sdpOffer: fields.sdpOffer,
        conversationEngine: fields.conversationEngine,
        credentials: { api_key: `${name}-key` },
      };
    }),
  };
  const connections = { openStarted: jest.fn(async () => undefined) };
  const metrics = new Metrics('worker', { processMetrics: false });
  const useCase = new StartProviderSessionUseCase(registry, sessions as unknown as ProviderSessions, connections as unknown as ProviderConnections, metrics);
  return { useCase, vendors, sessions, connections, log, metrics };
}

const command = (overrides: Partial<StartCommand> = {}): StartCommand => ({ provider: 'heygen', avatar_id: 'avatar_2', voice_id: 'v1', quality: 'low', ...overrides });
const failure = (provider: string, kind: ProviderError['kind'], message = `${provider} ${kind}`) => new ProviderError(message, { kind, provider });

beforeEach(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
afterEach(() => jest.restoreAllMocks());

describe('StartProviderSessionUseCase', () => {
  it("starts the session on the named provider with the session's spec and answers what served it", async () => {
    const t = setup();
    const sdpAnswer = { type: 'answer' as const, sdp: 'v=0 answer' };
    t.vendors.local.start.mockResolvedValue({ providerSessionId: 'vendor-9', sdpAnswer });
    const offer = { type: 'offer' as const, sdp: 'v=0 offer' };

    const reply = await t.useCase.execute(SCOPE, command({ provider: 'local', sdp: offer }));

    expect(reply).toEqual({ provider: 'local', avatar_id: 'avatar_2', voice_id: 'v1', provider_session_id: 'vendor-9', sdp: sdpAnswer });
    expect(t.sessions.spec).toHaveBeenCalledWith(SCOPE, 'local', { avatarId: 'avatar_2', voiceId: 'v1', quality: 'low', sdpOffer: offer, conversationEngine: undefined });
    expect(t.vendors.local.start).toHaveBeenCalledWith({
      tenantId: 'tenant-1',
      sessionId: 'session-1',
      avatarId: 'avatar_2',
      voiceId: 'v1',
      quality: 'low',
      sdpOffer: offer,
      conversationEngine: undefined,
      credentials: { api_key: 'local-key' },
    });
  });

  it("answers the vendor's state (for other workers) and what the frontend needs (client_session)", async () => {
    const t = setup();
    t.vendors.avaturn.start.mockResolvedValue({ providerSessionId: 'av-1', state: { token: 's' }, clientSession: { token: 'c' } });

    const reply = await t.useCase.execute(SCOPE, command({ provider: 'avaturn' }));

    expect(reply).toMatchObject({ provider: 'avaturn', provider_session_id: 'av-1', provider_state: { token: 's' }, client_session: { token: 'c' } });
    expect(reply.sdp).toBeUndefined();
    expect(reply.failed_over).toBeUndefined();
  });

  it('hands the conversation engine of the provider options to the vendor', async () => {
    const t = setup();
    const engine = { type: 'cartesia', access_token: 'at', agent_id: 'ag' };

    await t.useCase.execute(SCOPE, command({ provider: 'avaturn', provider_options: { conversation_engine: engine } }));

    expect(t.vendors.avaturn.start.mock.calls[0][0].conversationEngine).toEqual(engine);
  });

  it('lets a failure that is not a provider error reach the caller, so the command answers an error', async () => {
    const t = setup();
    t.vendors.heygen.start.mockRejectedValue(new Error('vendor refused'));

    await expect(t.useCase.execute(SCOPE, command({ fallbacks: [{ provider: 'local' }] }))).rejects.toThrow('vendor refused');
    expect(t.log()).toEqual(['heygen']);
  });

  describe('failover', () => {
    it('tries the fallbacks in order after retryable and capacity failures, and names the ones that failed', async () => {
      const t = setup();
      t.vendors.heygen.start.mockRejectedValue(failure('heygen', 'concurrency_limit', 'too many sessions'));
      t.vendors.avaturn.start.mockRejectedValue(failure('avaturn', 'unavailable', 'avaturn 503'));

      const reply = await t.useCase.execute(SCOPE, command({ fallbacks: [{ provider: 'avaturn' }, { provider: 'local' }, { provider: 'liveavatar' }] }));

      expect(t.log()).toEqual(['heygen', 'avaturn', 'local']);
      expect(reply).toMatchObject({ provider: 'local', provider_session_id: 'local-session' });
      expect(reply.failed_over).toEqual([
        { provider: 'heygen', code: 'PROVIDER_CAPACITY', message: 'too many sessions' },
        { provider: 'avaturn', code: 'PROVIDER_UNAVAILABLE', message: 'avaturn 503' },
      ]);
    });

    it('counts each failed start by provider and error code, the ones failed over from included', async () => {
      const t = setup();
      t.vendors.heygen.start.mockRejectedValue(failure('heygen', 'concurrency_limit', 'too many sessions'));
      t.vendors.avaturn.start.mockRejectedValue(failure('avaturn', 'unavailable', 'avaturn 503'));

      await t.useCase.execute(SCOPE, command({ fallbacks: [{ provider: 'avaturn' }, { provider: 'local' }] }));

      expect(await t.metrics.values('providerErrors')).toEqual([
        { labels: { provider: 'heygen', operation: 'start', code: 'PROVIDER_CAPACITY' }, value: 1 },
        { labels: { provider: 'avaturn', operation: 'start', code: 'PROVIDER_UNAVAILABLE' }, value: 1 },
      ]);
    });

    it.each(['rate_limited', 'quota', 'timeout', 'connection'] as const)('moves on after %s', async (kind) => {
      const t = setup();
      t.vendors.heygen.start.mockRejectedValue(failure('heygen', kind));

      const reply = await t.useCase.execute(SCOPE, command({ fallbacks: [{ provider: 'local' }] }));

      expect(reply.provider).toBe('local');
    });

    it("uses the failover target's avatar and voice there, else the session's", async () => {
      const t = setup();
      t.vendors.heygen.start.mockRejectedValue(failure('heygen', 'unavailable'));
      t.vendors.avaturn.start.mockRejectedValue(failure('avaturn', 'unavailable'));

      const reply = await t.useCase.execute(
        SCOPE,
        command({ fallbacks: [{ provider: 'avaturn' }, { provider: 'local', avatar_id: 'local_avatar', voice_id: 'local_voice' }] }),
      );

      expect(t.sessions.spec.mock.calls.map(([, name, fields]) => [name, fields.avatarId, fields.voiceId])).toEqual([
        ['heygen', 'avatar_2', 'v1'],
        ['avaturn', 'avatar_2', 'v1'],
        ['local', 'local_avatar', 'local_voice'],
      ]);
      expect(reply).toMatchObject({ provider: 'local', avatar_id: 'local_avatar', voice_id: 'local_voice' });
    });

    it.each(['auth', 'unknown_avatar', 'rejected', 'session_ended'] as const)('rethrows a %s failure at once: it is the caller’s to see', async (kind) => {
      const t = setup();
      const refused = failure('heygen', kind);
      t.vendors.heygen.start.mockRejectedValue(refused);

      await expect(t.useCase.execute(SCOPE, command({ fallbacks: [{ provider: 'local' }] }))).rejects.toBe(refused);

      expect(t.log()).toEqual(['heygen']);
    });

    it('moves on from a provider the tenant has no credentials for', async () => {
      const t = setup(['heygen']);

      const reply = await t.useCase.execute(SCOPE, command({ fallbacks: [{ provider: 'local' }] }));

      expect(t.log()).toEqual(['local']);
      expect(reply.provider).toBe('local');
      expect(reply.failed_over).toEqual([{ provider: 'heygen', code: 'PROVIDER_NOT_CONFIGURED', message: 'heygen is not configured' }]);
    });

    it('rethrows the last failure when every provider failed', async () => {
      const t = setup();
      t.vendors.heygen.start.mockRejectedValue(failure('heygen', 'unavailable'));
      const last = failure('local', 'timeout');
      t.vendors.local.start.mockRejectedValue(last);

      await expect(t.useCase.execute(SCOPE, command({ fallbacks: [{ provider: 'local' }] }))).rejects.toBe(last);
    });

    it("rethrows a retryable failure when there is no failover list", async () => {
      const t = setup();
      const down = failure('heygen', 'unavailable');
      t.vendors.heygen.start.mockRejectedValue(down);

      await expect(t.useCase.execute(SCOPE, command())).rejects.toBe(down);
    });

    it("skips a fallback naming the session's own provider (it is not tried twice)", async () => {
      const t = setup();
      t.vendors.heygen.start.mockRejectedValue(failure('heygen', 'unavailable'));

      await t.useCase.execute(SCOPE, command({ fallbacks: [{ provider: 'heygen' }, { provider: 'local' }] }));

      expect(t.log()).toEqual(['heygen', 'local']);
    });
  });

  describe('a stateful vendor', () => {
    it('opens its connection here at once (this worker becomes the owner)', async () => {
      const t = setup();
      t.vendors.liveavatar.start.mockResolvedValue({ providerSessionId: 'la-1', state: { ws_url: 'wss://x', token: 't' } });

      await t.useCase.execute(SCOPE, command({ provider: 'liveavatar' }));

      expect(t.connections.openStarted).toHaveBeenCalledWith('liveavatar', {
        spec: expect.objectContaining({ sessionId: 'session-1', avatarId: 'avatar_2' }),
        providerSessionId: 'la-1',
        state: { ws_url: 'wss://x', token: 't' },
      });
    });

    it('opens no connection for a REST vendor', async () => {
      const t = setup();

      await t.useCase.execute(SCOPE, command());

      expect(t.connections.openStarted).not.toHaveBeenCalled();
    });

    it('ends the vendor session when its connection cannot be opened, then rethrows', async () => {
      const t = setup();
      t.vendors.liveavatar.start.mockResolvedValue({ providerSessionId: 'la-1', state: { ws_url: 'wss://x' } });
      const refused = failure('liveavatar', 'auth', 'ws refused the token');
      t.connections.openStarted.mockRejectedValue(refused);

      await expect(t.useCase.execute(SCOPE, command({ provider: 'liveavatar', fallbacks: [{ provider: 'local' }] }))).rejects.toBe(refused);

      expect(t.vendors.liveavatar.stop).toHaveBeenCalledWith(
        { spec: expect.objectContaining({ sessionId: 'session-1' }), providerSessionId: 'la-1', state: { ws_url: 'wss://x' } },
        'start_failed',
      );
      expect(t.log()).toEqual(['liveavatar']);
    });

    it('still rethrows the connect failure when ending the vendor session fails too', async () => {
      const t = setup();
      const refused = failure('liveavatar', 'auth');
      t.connections.openStarted.mockRejectedValue(refused);
      t.vendors.liveavatar.stop.mockRejectedValue(new Error('vendor down'));

      await expect(t.useCase.execute(SCOPE, command({ provider: 'liveavatar' }))).rejects.toBe(refused);
    });

    it('fails over after a connect failure that is worth another provider, having ended the vendor session', async () => {
      const t = setup();
      t.connections.openStarted.mockRejectedValue(failure('liveavatar', 'connection', 'socket closed'));

      const reply = await t.useCase.execute(SCOPE, command({ provider: 'liveavatar', fallbacks: [{ provider: 'local' }] }));

      expect(t.vendors.liveavatar.stop).toHaveBeenCalledTimes(1);
      expect(reply).toMatchObject({ provider: 'local', failed_over: [{ provider: 'liveavatar', code: 'PROVIDER_UNAVAILABLE', message: 'socket closed' }] });
    });
  });
});
