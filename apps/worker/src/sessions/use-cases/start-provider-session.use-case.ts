import { Injectable } from '@nestjs/common';
import { StartCommand, StartReply } from '@avatar/contracts';
import { ProviderRegistry } from '@avatar/providers';
import { SessionScope } from '@avatar/messaging';

/** Opens the vendor session for streaming.start and answers its id (and SDP). */
@Injectable()
export class StartProviderSessionUseCase {
  constructor(private readonly providers: ProviderRegistry) {}

  async execute(scope: SessionScope, command: StartCommand): Promise<StartReply> {
    const started = await this.providers.get(command.provider).start({
      tenantId: scope.tenantId,
      sessionId: scope.sessionId,
      avatarId: command.avatar_id,
      voiceId: command.voice_id,
      quality: command.quality,
      sdpOffer: command.sdp,
    });
    return { provider_session_id: started.providerSessionId, sdp: started.sdpAnswer };
  }
}
