import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { API_PREFIX, AvatarsResponse, CatalogQuery, ListProvidersResponse, TenantScope, V1_ROUTES, VoicesResponse } from '@avatar/contracts';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { RequiredScope } from '../auth/required-scope.decorator';
import { TenantId } from '../auth/tenant-id.decorator';
import { validate } from '../common/zod-validation.pipe';
import { ProviderAvailability } from './provider-availability';
import { ListCatalogUseCase } from './use-cases/list-catalog.use-case';

/** GET /v1/providers, /v1/avatars, /v1/voices: what a frontend needs to offer a picker without knowing vendors. */
@Controller(API_PREFIX)
@UseGuards(ApiKeyGuard)
export class ProvidersController {
  constructor(
    private readonly availability: ProviderAvailability,
    private readonly catalog: ListCatalogUseCase,
  ) {}

  @RequiredScope(V1_ROUTES.listProviders.scope)
  @Get(V1_ROUTES.listProviders.path)
  providers(@TenantId() tenantId: TenantScope): Promise<ListProvidersResponse> {
    return this.availability.list(tenantId);
  }

  @RequiredScope(V1_ROUTES.listAvatars.scope)
  @Get(V1_ROUTES.listAvatars.path)
  async avatars(@TenantId() tenantId: TenantScope, @Query(validate(CatalogQuery)) query: CatalogQuery): Promise<AvatarsResponse> {
    const { avatars, unavailable } = await this.catalog.execute(tenantId, query);
    return { avatars, unavailable };
  }

  @RequiredScope(V1_ROUTES.listVoices.scope)
  @Get(V1_ROUTES.listVoices.path)
  async voices(@TenantId() tenantId: TenantScope, @Query(validate(CatalogQuery)) query: CatalogQuery): Promise<VoicesResponse> {
    const { voices, unavailable } = await this.catalog.execute(tenantId, query);
    return { voices, unavailable };
  }
}
