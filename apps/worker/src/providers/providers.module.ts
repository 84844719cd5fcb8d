import { DynamicModule, Module } from '@nestjs/common';
import { LocalProvider, ProviderRegistry } from '@avatar/providers';
import { WorkerConfig } from '../worker-config';
import { ProviderConnections } from './provider-connections';

/** The provider adapters this worker runs, and its live connections to them. */
@Module({})
export class ProvidersModule {
  static register(config: WorkerConfig): DynamicModule {
    return {
      module: ProvidersModule,
      providers: [
        {
          provide: ProviderRegistry,
          useFactory: () =>
            new ProviderRegistry([
              new LocalProvider({ wordsPerMinute: config.SPEECH_WORDS_PER_MINUTE, framesPerSecond: config.LOCAL_FRAMES_PER_SECOND }),
            ]),
        },
        ProviderConnections,
      ],
      exports: [ProviderRegistry, ProviderConnections],
    };
  }
}
