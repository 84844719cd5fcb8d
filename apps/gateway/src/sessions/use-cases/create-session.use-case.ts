import type { TenantScope } from '@avatar/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { CONVERSATION_ENGINE_PROVIDERS, CreateSessionRequest, CreateSessionResponse, PlatformError } from '@avatar/contracts';
import { ProviderAvailability } from '../../providers/provider-availability';
import { SessionsRepository } from '@avatar/persistence';
import { LOCAL_PROVIDER } from '@avatar/providers';
import { signSessionToken } from '@avatar/tenancy';
import { GATEWAY_CONFIG, GatewayConfig } from '../../gateway-config';
import { TenantSettingsCache } from '../../tenancy/tenant-settings.cache';
import { MonthlyMinutesQuota } from '../../usage/monthly-minutes.quota';
import { quotaExceeded } from '../../usage/quota-exceeded';

export const DEFAULT_AVATAR_ID = 'avatar_1';

/**
 * streaming.new: records the session (on the provider it names, else the tenant's
 * default provider, else local; one the tenant has credentials for) and hands out the token its frontend connects with, within the tenant's quotas: its month's minutes left, and fewer than
 * max_active_sessions sessions created or active (counted and recorded atomically).
 */
@Injectable()
export class CreateSessionUseCase {
  constructor(
    private readonly sessions: SessionsRepository,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly tenantSettings: TenantSettingsCache,
    private readonly monthlyMinutes: MonthlyMinutesQuota,
    private readonly availability: ProviderAvailability,
  ) {}

  async execute(tenantId: TenantScope, request: CreateSessionRequest): Promise<CreateSessionResponse> {
    const { limits, quotas, providers } = await this.tenantSettings.settingsOf(tenantId);
    const provider = request.provider ?? providers.default ?? LOCAL_PROVIDER;
    if (request.conversation_engine && !(CONVERSATION_ENGINE_PROVIDERS as readonly string[]).includes(provider)) {
      throw new PlatformError('VALIDATION_ERROR', `provider ${provider} does not take a conversation_engine (only ${CONVERSATION_ENGINE_PROVIDERS.join(', ')})`, {
        fields: [{ field: 'conversation_engine', message: `not supported by provider ${provider}` }],
      });
    }
    await this.availability.assertAvailable(tenantId, provider);
    await this.monthlyMinutes.assertAvailable(tenantId);
    const created = await this.sessions.create(tenantId, {
      id: randomUUID(),
      provider,
      providerOptions: request.conversation_engine ? { conversation_engine: request.conversation_engine } : undefined,
      avatarId: request.avatar_id ?? DEFAULT_AVATAR_ID,
      voiceId: request.voice_id,
      quality: request.quality,
      idleTimeoutS: request.idle_timeout,
      maxDurationS: request.max_duration,
    }, { maxLive: quotas.max_active_sessions });
    if (created.outcome === 'quota_exceeded') throw quotaExceeded('max_active_sessions', created.limit, created.current);
    const { session } = created;
    // The tenant's WebSocket message rate rides in the token (claim wsr): the notifier applies it.
    return {
      session_id: session.id,
      ice_servers: this.config.ICE_SERVERS,
      access_token: signSessionToken(
        { tenantId, sessionId: session.id, ttlSeconds: this.config.SESSION_TOKEN_TTL_SECONDS, wsMessagesPerSecond: limits.ws_messages_per_second },
        this.config.SESSION_TOKEN_SECRET,
      ),
    };
  }
}
