import { Injectable } from '@nestjs/common';
import { LOCAL_PROVIDER } from '@avatar/providers';
import { ProviderAvailability } from '../../providers/provider-availability';
import { ListCatalogUseCase } from '../../providers/use-cases/list-catalog.use-case';
import type { DemoCatalogResponse } from '@avatar/contracts';
import { DemoTenant } from '../demo-tenant';

/**
 * GET /demo/api/catalog: what the page's pickers offer, as /v1/providers and
 * /v1/avatars answer the demo tenant: every provider (the unavailable ones shown
 * disabled), the avatars of the available ones, and local selected first.
 */
@Injectable()
export class DemoCatalogUseCase {
  constructor(
    private readonly demo: DemoTenant,
    private readonly availability: ProviderAvailability,
    private readonly catalog: ListCatalogUseCase,
  ) {}

  async execute(): Promise<DemoCatalogResponse> {
    const tenant = await this.demo.activeScope();
    const [{ providers }, { avatars, unavailable }] = await Promise.all([this.availability.list(tenant), this.catalog.execute(tenant, {})]);
    const available = providers.filter((p) => p.available).map((p) => p.name);
    return {
      providers: providers.map(({ name, available }) => ({ name, available })),
      default_provider: available.find((name) => name === LOCAL_PROVIDER) ?? available[0] ?? null,
      avatars,
      unavailable,
    };
  }
}
