import { AvatarProvider } from './avatar-provider';

/** The providers a worker can run, by name. Unknown names are a permanent failure. */
export class ProviderRegistry {
  private readonly providers = new Map<string, AvatarProvider>();

  constructor(providers: AvatarProvider[]) {
    for (const provider of providers) this.providers.set(provider.name, provider);
  }

  has(name: string): boolean {
    return this.providers.has(name);
  }

  all(): AvatarProvider[] {
    return [...this.providers.values()];
  }

  get(name: string): AvatarProvider {
    const provider = this.providers.get(name);
    if (!provider) throw new Error(`unknown provider "${name}" (have: ${[...this.providers.keys()].join(', ')})`);
    return provider;
  }
}
