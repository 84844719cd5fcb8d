import { Inject, Injectable } from '@nestjs/common';
import type { TenantScope } from '@avatar/contracts';
import { ConversationEngine, ProviderError, ProviderRegistry, ProviderSessionRef, ProviderSessionSpec, LOCAL_PROVIDER } from '@avatar/providers';
import { ProviderCredentialsResolver } from '@avatar/tenancy';
import { WORKER_CONFIG, WorkerConfig } from '../worker-config';
import { SpeechEngines } from './speech-engines';

/** Vendors that are driven by audio: text goes through the speech engine first. */
const AUDIO_DRIVEN = new Set(['liveavatar', 'spatialwalk']);

/** The session fields a vendor call needs (a session row, a claimed task). */
export interface ProviderSessionFields {
  avatarId: string;
  voiceId?: string | null;
  quality: string;
  sdpOffer?: ProviderSessionSpec['sdpOffer'];
  conversationEngine?: ConversationEngine;
}

/**
 * Builds what an adapter gets for one session: the tenant's credentials for the
 * vendor (else the platform's; none → PROVIDER_NOT_CONFIGURED) and, for audio-driven
 * vendors and the local provider, the speech engine the tenant speaks with.
 */
@Injectable()
export class ProviderSessions {
  constructor(
    private readonly registry: ProviderRegistry,
    private readonly credentials: ProviderCredentialsResolver,
    private readonly engines: SpeechEngines,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
  ) {}

  async spec(scope: { tenantId: TenantScope; sessionId: string }, provider: string, fields: ProviderSessionFields): Promise<ProviderSessionSpec> {
    const adapter = this.registry.get(provider);
    const resolved = await this.credentials.resolve(scope.tenantId, provider, adapter.credentialFields);
    if (!resolved) {
      throw new ProviderError(`${provider} is not configured: store the tenant's credentials (admin API) or set the platform's`, { kind: 'not_configured', provider });
    }
    return {
      tenantId: scope.tenantId,
      sessionId: scope.sessionId,
      avatarId: fields.avatarId,
      voiceId: fields.voiceId ?? undefined,
      quality: fields.quality,
      sdpOffer: fields.sdpOffer,
      conversationEngine: fields.conversationEngine,
      credentials: resolved.credentials,
      speech: this.speaksAudio(provider) ? await this.engines.for(scope.tenantId) : undefined,
    };
  }

  async ref(
    scope: { tenantId: TenantScope; sessionId: string },
    provider: string,
    session: ProviderSessionFields & { providerSessionId: string | null; providerState?: unknown },
  ): Promise<ProviderSessionRef> {
    return {
      spec: await this.spec(scope, provider, session),
      providerSessionId: session.providerSessionId ?? '',
      state: (session.providerState as Record<string, string> | null) ?? undefined,
    };
  }

  private speaksAudio(provider: string): boolean {
    return AUDIO_DRIVEN.has(provider) || (provider === LOCAL_PROVIDER && this.config.LOCAL_SPEECH === 'audio');
  }
}
