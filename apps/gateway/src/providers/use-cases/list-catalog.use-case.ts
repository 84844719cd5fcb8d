import { Inject, Injectable, Logger } from '@nestjs/common';
import { CatalogItem, CatalogQuery, PROVIDER_NAMES, ProviderName, TenantScope } from '@avatar/contracts';
import { ProviderCatalog, ProviderError, ProviderRegistry } from '@avatar/providers';
import { GATEWAY_CONFIG, GatewayConfig } from '../../gateway-config';
import { ProviderAvailability } from '../provider-availability';

/** Most entries one catalog answer lists per provider: a vendor with thousands of stock avatars stays bounded. */
const MAX_ENTRIES_PER_PROVIDER = 1000;

export interface Catalog {
  avatars: CatalogItem[];
  voices: CatalogItem[];
  unavailable: Array<{ provider: ProviderName; code: string; message: string }>;
}

/**
 * GET /v1/avatars and /v1/voices: the catalogs of every provider available to the
 * tenant, in one list. Each vendor's list is cached (CATALOG_CACHE_SECONDS) per
 * credentials: shared by tenants on the platform's, per tenant on their own. A vendor
 * whose list fails is named in `unavailable`; the others are still answered.
 */
@Injectable()
export class ListCatalogUseCase {
  private readonly logger = new Logger(ListCatalogUseCase.name);
  private readonly cache = new Map<string, { at: number; catalog: Promise<ProviderCatalog> }>();

  constructor(
    private readonly registry: ProviderRegistry,
    private readonly availability: ProviderAvailability,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async execute(tenant: TenantScope, query: CatalogQuery): Promise<Catalog> {
    const names = (query.provider ? [query.provider] : [...PROVIDER_NAMES]).filter((name) => this.registry.has(name));
    const out: Catalog = { avatars: [], voices: [], unavailable: [] };
    await Promise.all(
      names.map(async (provider) => {
        const resolved = await this.availability.credentialsFor(tenant, provider);
        if (!resolved) return;
        const key = resolved.source === 'tenant' ? `tenant:${tenant}:${provider}` : `platform:${provider}`;
        try {
          const catalog = await this.cached(key, () => this.registry.get(provider).catalog(resolved.credentials));
          out.avatars.push(...catalog.avatars.slice(0, MAX_ENTRIES_PER_PROVIDER).map((e) => ({ ...e, provider })));
          out.voices.push(...catalog.voices.slice(0, MAX_ENTRIES_PER_PROVIDER).map((e) => ({ ...e, provider })));
        } catch (err) {
          const code = err instanceof ProviderError ? err.code : 'PROVIDER_ERROR';
          this.logger.warn(`catalog of ${provider} unavailable: ${(err as Error).message}`);
          out.unavailable.push({ provider, code, message: (err as Error).message });
        }
      }),
    );
    const order = (a: CatalogItem, b: CatalogItem) => a.provider.localeCompare(b.provider) || a.name.localeCompare(b.name);
    out.avatars.sort(order);
    out.voices.sort(order);
    out.unavailable.sort((a, b) => a.provider.localeCompare(b.provider));
    return out;
  }

  private cached(key: string, load: () => Promise<ProviderCatalog>): Promise<ProviderCatalog> {
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < this.config.CATALOG_CACHE_SECONDS * 1000) return hit.catalog;
    const catalog = load();
    this.cache.set(key, { at: Date.now(), catalog });
    // A failure is not cached: the next request asks the vendor again.
    catalog.catch(() => this.cache.get(key)?.catalog === catalog && this.cache.delete(key));
    return catalog;
  }
}
