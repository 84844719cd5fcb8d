import type { TenantScope } from '@avatar/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { CreateSessionRequest, CreateSessionResponse } from '@avatar/contracts';
import { SessionsRepository } from '@avatar/persistence';
import { LOCAL_PROVIDER } from '@avatar/providers';
import { signSessionToken } from '@avatar/tenancy';
import { GATEWAY_CONFIG, GatewayConfig } from '../../gateway-config';

export const DEFAULT_AVATAR_ID = 'avatar_1';

/** streaming.new: records the session and hands out the token its frontend connects with. */
@Injectable()
export class CreateSessionUseCase {
  constructor(
    private readonly sessions: SessionsRepository,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async execute(tenantId: TenantScope, request: CreateSessionRequest): Promise<CreateSessionResponse> {
    const session = await this.sessions.create(tenantId, {
      id: randomUUID(),
      provider: request.provider ?? LOCAL_PROVIDER,
      avatarId: request.avatar_id ?? DEFAULT_AVATAR_ID,
      voiceId: request.voice_id,
      quality: request.quality,
      idleTimeoutS: request.idle_timeout,
      maxDurationS: request.max_duration,
    });
    return {
      session_id: session.id,
      ice_servers: this.config.ICE_SERVERS,
      access_token: signSessionToken(
        { tenantId, sessionId: session.id, ttlSeconds: this.config.SESSION_TOKEN_TTL_SECONDS },
        this.config.SESSION_TOKEN_SECRET,
      ),
    };
  }
}
