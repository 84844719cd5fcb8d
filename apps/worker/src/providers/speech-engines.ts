import { Inject, Injectable } from '@nestjs/common';
import type { TenantScope } from '@avatar/contracts';
import { ELEVENLABS } from '@avatar/providers';
import { ProviderCredentialsResolver } from '@avatar/tenancy';
import { ElevenLabsEngine, EspeakEngine, SynthesisRequest, TtsEngine } from '@avatar/tts';
import { WORKER_CONFIG, WorkerConfig } from '../worker-config';

/**
 * Which speech engine a tenant's sessions speak with (TTS_ENGINE): ElevenLabs where
 * the tenant (or the platform) has its credentials, else the local espeak-ng. One
 * espeak-ng engine per process (it bounds its own child processes); one ElevenLabs
 * engine per API key.
 */
@Injectable()
export class SpeechEngines {
  private readonly espeak = new LocalVoices(new EspeakEngine());
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

/** What an espeak-ng voice name looks like (`en-us`, `de`, `en-us+f3`). */
const ESPEAK_VOICE = /^[a-z]{2,3}(-[a-z0-9]+)*(\+[a-z0-9]+)?$/i;

/**
 * espeak-ng with the voice ids clients actually send: the reference API's examples
 * pass ElevenLabs voice ids (`EXAVITQu4vr4xnSDxMaL`), which espeak-ng cannot speak.
 * Those fall back to espeak-ng's default voice instead of failing the task; an
 * espeak-style name it does not have still fails clearly.
 */
class LocalVoices implements TtsEngine {
  readonly name: string;

  constructor(private readonly engine: TtsEngine) {
    this.name = engine.name;
  }

  synthesize(request: SynthesisRequest, signal?: AbortSignal) {
    const voiceId = request.voiceId && ESPEAK_VOICE.test(request.voiceId) ? request.voiceId : undefined;
    return this.engine.synthesize({ ...request, voiceId }, signal);
  }
}
