import { TenantScopes } from '@avatar/contracts';
import type { SessionRow, SessionsRepository } from '@avatar/persistence';
import type { AvatarProvider, ProviderRegistry, ProviderSessionRef } from '@avatar/providers';
import type { CommandBus } from '@avatar/messaging';
import type { ProviderSessionFields, ProviderSessions } from '../../providers/provider-sessions';
import { ReleaseProviderSessionUseCase } from './release-provider-session.use-case';

const scope = { tenantId: TenantScopes.ofRecord('tenant-1'), sessionId: 'session-1' };

function setup(session: Partial<SessionRow> | null) {
  const log: string[] = [];
  const provider = { stop: jest.fn(async () => void log.push('provider.stop')) } as unknown as jest.Mocked<AvatarProvider>;
  const providers = { get: jest.fn().mockReturnValue(provider) } as unknown as ProviderRegistry;
  const row = session && ({ avatarId: 'avatar_1', voiceId: null, quality: 'medium', providerSessionId: 'kept', providerState: { kept: 'state' }, ...session } as SessionRow);
  const sessions = { find: jest.fn().mockResolvedValue(row) } as unknown as SessionsRepository;
  const providerSessions = {
    ref: jest.fn(
      async (s: typeof scope, _provider: string, fields: ProviderSessionFields & { providerSessionId: string | null; providerState?: unknown }): Promise<ProviderSessionRef> => ({
        spec: { ...s, avatarId: fields.avatarId, voiceId: fields.voiceId ?? undefined, quality: fields.quality, credentials: { api_key: 'k' } },
        providerSessionId: fields.providerSessionId ?? '',
        state: (fields.providerState as Record<string, string> | undefined) ?? undefined,
      }),
    ),
  };
  const commands = { broadcast: jest.fn((_scope: unknown, command: string) => void log.push(`broadcast:${command}`)) };
  const useCase = new ReleaseProviderSessionUseCase(sessions, providers, providerSessions as unknown as ProviderSessions, commands as unknown as CommandBus);
  return { useCase, provider, providers, providerSessions, commands, log };
}

describe('ReleaseProviderSessionUseCase', () => {
  it('stops the vendor session the losing start opened, with its own id and state', async () => {
    const t = setup({});
    await t.useCase.execute(scope, { provider: 'liveavatar', provider_session_id: 'orphan', provider_state: { ws_url: 'wss://orphan' } });
    expect(t.providers.get).toHaveBeenCalledWith('liveavatar');
    expect(t.providerSessions.ref).toHaveBeenCalledWith(scope, 'liveavatar', expect.objectContaining({ providerSessionId: 'orphan', providerState: { ws_url: 'wss://orphan' } }));
    expect(t.provider.stop).toHaveBeenCalledWith(
      {
        providerSessionId: 'orphan',
        state: { ws_url: 'wss://orphan' },
        spec: { ...scope, avatarId: 'avatar_1', voiceId: undefined, quality: 'medium', credentials: { api_key: 'k' } },
      },
      'start_lost_race',
    );
  });

  it('does not lend the used session its state: a release without state stops with none', async () => {
    const t = setup({});
    await t.useCase.execute(scope, { provider: 'heygen', provider_session_id: 'orphan' });
    expect(t.provider.stop.mock.calls[0][0].state).toBeUndefined();
  });

  it('then tells the worker holding its connection to close it', async () => {
    const t = setup({});
    await t.useCase.execute(scope, { provider: 'liveavatar', provider_session_id: 'orphan' });
    expect(t.commands.broadcast).toHaveBeenCalledWith(scope, 'close', expect.objectContaining({ reason: 'start_lost_race' }));
    expect(t.log).toEqual(['provider.stop', 'broadcast:close']);
  });

  it("names the released vendor session in the close, so the winner's connection (same platform session) stays open", async () => {
    const t = setup({ providerSessionId: 'winner' });
    await t.useCase.execute(scope, { provider: 'liveavatar', provider_session_id: 'orphan' });
    expect(t.commands.broadcast).toHaveBeenCalledWith(scope, 'close', { reason: 'start_lost_race', provider_session_id: 'orphan' });
  });

  it('never stops the vendor session the platform session uses', async () => {
    const t = setup({ providerSessionId: 'same' });
    await t.useCase.execute(scope, { provider: 'local', provider_session_id: 'same' });
    expect(t.provider.stop).not.toHaveBeenCalled();
    expect(t.commands.broadcast).not.toHaveBeenCalled();
  });

  it('does nothing for a session of another tenant or none', async () => {
    const t = setup(null);
    await t.useCase.execute(scope, { provider: 'local', provider_session_id: 'orphan' });
    expect(t.provider.stop).not.toHaveBeenCalled();
    expect(t.commands.broadcast).not.toHaveBeenCalled();
  });
});
