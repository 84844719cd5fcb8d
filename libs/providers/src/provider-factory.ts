import { AvatarProvider } from './avatar-provider';
import { ProviderRegistry } from './provider-registry';
import { LocalProvider } from './local/local-provider';
import { AvaturnProvider } from './avaturn';
import { HeygenProvider } from './heygen';
import { LiveAvatarProvider } from './liveavatar';
import { SpatialWalkProvider } from './spatialwalk';
import { VendorConfig } from './vendor-config';

export interface ProviderFactoryConfig extends VendorConfig {
  SPEECH_WORDS_PER_MINUTE: number;
  LOCAL_FRAMES_PER_SECOND?: number;
  LOCAL_AUDIO_SAMPLE_RATE?: number;
}

/**
 * Every adapter the platform has, configured from an app's validated config: the
 * workers speak through them, the gateway reads their catalogs and credential needs.
 */
export function createProviderRegistry(config: ProviderFactoryConfig): ProviderRegistry {
  const providers: AvatarProvider[] = [
    new LocalProvider({
      wordsPerMinute: config.SPEECH_WORDS_PER_MINUTE,
      framesPerSecond: config.LOCAL_FRAMES_PER_SECOND ?? 25,
      audioSampleRate: config.LOCAL_AUDIO_SAMPLE_RATE,
    }),
    new AvaturnProvider({ apiUrl: config.AVATURN_API_URL, avatars: config.AVATURN_AVATARS, wordsPerMinute: config.SPEECH_WORDS_PER_MINUTE }),
    new HeygenProvider({ apiUrl: config.HEYGEN_API_URL, wordsPerMinute: config.SPEECH_WORDS_PER_MINUTE }),
    new LiveAvatarProvider({ apiUrl: config.LIVEAVATAR_API_URL }),
    // A session token lives as long as the longest session may (the vendor may close a socket whose token expired).
    new SpatialWalkProvider({ consoleUrl: config.SPATIALWALK_CONSOLE_URL, ingressUrl: config.SPATIALWALK_INGRESS_URL, avatars: config.SPATIALWALK_AVATARS, tokenTtlSeconds: 24 * 3600, connectTimeoutMs: 10_000 }),
  ];
  return new ProviderRegistry(providers);
}
