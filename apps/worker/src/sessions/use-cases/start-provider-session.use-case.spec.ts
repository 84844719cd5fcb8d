import { TenantScopes } from '@avatar/contracts';
import type { AvatarProvider, ProviderRegistry } from '@avatar/providers';
import { StartProviderSessionUseCase } from './start-provider-session.use-case';

const SCOPE = { tenantId: TenantScopes.ofRecord('tenant-1'), sessionId: 'session-1' };

function setup(start: AvatarProvider['start']) {
  const provider = { name: 'local', start: jest.fn(start), connect: jest.fn(), stop: jest.fn() };
  const registry = { get: jest.fn().mockReturnValue(provider) };
  const useCase = new StartProviderSessionUseCase(registry as unknown as ProviderRegistry);
  return { useCase, provider, registry };
}

describe('StartProviderSessionUseCase', () => {
  it('starts the session on the named provider with the command spec and answers the vendor id and SDP answer', async () => {
    const sdpAnswer = { type: 'answer' as const, sdp: 'v=0 answer' };
    const t = setup(async () => ({ providerSessionId: 'vendor-9', sdpAnswer }));
    const offer = { type: 'offer' as const, sdp: 'v=0 offer' };

    const reply = await t.useCase.execute(SCOPE, { provider: 'local', avatar_id: 'avatar_2', voice_id: 'v1', quality: 'low', sdp: offer });

    expect(reply).toEqual({ provider_session_id: 'vendor-9', sdp: sdpAnswer });
    expect(t.registry.get).toHaveBeenCalledWith('local');
    expect(t.provider.start).toHaveBeenCalledWith({
      tenantId: 'tenant-1',
      sessionId: 'session-1',
      avatarId: 'avatar_2',
      voiceId: 'v1',
      quality: 'low',
      sdpOffer: offer,
    });
  });

  it('answers no SDP when the provider gives none', async () => {
    const t = setup(async () => ({ providerSessionId: 'vendor-9' }));

    const reply = await t.useCase.execute(SCOPE, { provider: 'local', avatar_id: 'avatar_2', quality: 'medium' });

    expect(reply.provider_session_id).toBe('vendor-9');
    expect(reply.sdp).toBeUndefined();
  });

  it('lets a provider failure reach the caller, so the command answers an error', async () => {
    const t = setup(async () => {
      throw new Error('vendor refused');
    });

    await expect(t.useCase.execute(SCOPE, { provider: 'local', avatar_id: 'a', quality: 'medium' })).rejects.toThrow('vendor refused');
  });
});
