import { Inject, Injectable } from '@nestjs/common';
import type { TenantScope } from '@avatar/contracts';
import { ELEVENLABS } from '@avatar/providers';
import { ProviderCredentialsResolver } from '@avatar/tenancy';
import { ElevenLabsEngine, EspeakEngine, TtsEngine } from '@avatar/tts';
import { WORKER_CONFIG, WorkerConfig } from '../worker-config';

/**
 * Which speech engine a tenant's sessions speak with (TTS_ENGINE): ElevenLabs where
 * the tenant (or the platform) has its credentials, else the local espeak-ng. One
 * espeak-ng engine per process (it bounds its own child processes); one ElevenLabs
 * engine per API key.
 */
@Injectable()
export class SpeechEngines {
  private readonly espeak = new EspeakEngine();
  private readonly elevenlabs = new Map<string, ElevenLabsEngine>();

  constructor(
    private readonly credentials: ProviderCredentialsResolver,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
  ) {}

  async for(tenant: TenantScope): Promise<TtsEngine> {
    if (this.config.TTS_ENGINE === 'espeak') return this.espeak;
    const resolved = await this.credentials.resolve(tenant, ELEVENLABS, ['api_key']);
    if (!resolved) {
      if (this.config.TTS_ENGINE === 'elevenlabs') throw new Error('TTS_ENGINE=elevenlabs but neither the tenant nor the platform has ElevenLabs credentials');
      return this.espeak;
    }
    const key = resolved.credentials.api_key;
    let engine = this.elevenlabs.get(key);
    if (!engine) {
      engine = new ElevenLabsEngine({ apiUrl: this.config.ELEVENLABS_API_URL, apiKey: key });
      this.elevenlabs.set(key, engine);
    }
    return engine;
  }
}
