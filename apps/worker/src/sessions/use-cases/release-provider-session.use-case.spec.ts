import { TenantScopes } from '@avatar/contracts';
import type { SessionRow, SessionsRepository } from '@avatar/persistence';
import type { AvatarProvider, ProviderRegistry } from '@avatar/providers';
import { ReleaseProviderSessionUseCase } from './release-provider-session.use-case';

const scope = { tenantId: TenantScopes.ofRecord('tenant-1'), sessionId: 'session-1' };

function setup(session: Partial<SessionRow> | null) {
  const provider = { stop: jest.fn().mockResolvedValue(undefined) } as unknown as jest.Mocked<AvatarProvider>;
  const providers = { get: jest.fn().mockReturnValue(provider) } as unknown as ProviderRegistry;
  const row = session && ({ avatarId: 'avatar_1', voiceId: null, quality: 'medium', providerSessionId: 'kept', ...session } as SessionRow);
  const sessions = { find: jest.fn().mockResolvedValue(row) } as unknown as SessionsRepository;
  return { useCase: new ReleaseProviderSessionUseCase(sessions, providers), provider, providers };
}

describe('ReleaseProviderSessionUseCase', () => {
  it('stops the vendor session the losing start opened', async () => {
    const t = setup({});
    await t.useCase.execute(scope, { provider: 'local', provider_session_id: 'orphan' });
    expect(t.providers.get).toHaveBeenCalledWith('local');
    expect(t.provider.stop).toHaveBeenCalledWith(
      { providerSessionId: 'orphan', spec: { ...scope, avatarId: 'avatar_1', voiceId: undefined, quality: 'medium' } },
      'start_lost_race',
    );
  });

  it('never stops the vendor session the platform session uses', async () => {
    const t = setup({ providerSessionId: 'same' });
    await t.useCase.execute(scope, { provider: 'local', provider_session_id: 'same' });
    expect(t.provider.stop).not.toHaveBeenCalled();
  });

  it('does nothing for a session of another tenant or none', async () => {
    const t = setup(null);
    await t.useCase.execute(scope, { provider: 'local', provider_session_id: 'orphan' });
    expect(t.provider.stop).not.toHaveBeenCalled();
  });
});
