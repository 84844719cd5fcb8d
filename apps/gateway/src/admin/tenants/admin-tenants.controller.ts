import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import {
  ADMIN_PREFIX,
  ADMIN_ROUTES,
  CreateTenantRequest,
  DisableTenantResponse,
  ListTenantsQuery,
  ListTenantsResponse,
  TenantIdParam,
  TenantResponse,
  TenantScopes,
  UpdateTenantRequest,
} from '@avatar/contracts';
import { validate } from '../../common/zod-validation.pipe';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import { CreateTenantUseCase } from './use-cases/create-tenant.use-case';
import { ListTenantsUseCase } from './use-cases/list-tenants.use-case';
import { GetTenantUseCase } from './use-cases/get-tenant.use-case';
import { UpdateTenantUseCase } from './use-cases/update-tenant.use-case';
import { DisableTenantUseCase } from './use-cases/disable-tenant.use-case';
import { EnableTenantUseCase } from './use-cases/enable-tenant.use-case';

/** The operator names the tenant in the path: TenantScopes.administered, admin code only. */
@Controller(ADMIN_PREFIX)
@UseGuards(AdminTokenGuard)
export class AdminTenantsController {
  constructor(
    private readonly createTenant: CreateTenantUseCase,
    private readonly listTenants: ListTenantsUseCase,
    private readonly getTenant: GetTenantUseCase,
    private readonly updateTenant: UpdateTenantUseCase,
    private readonly disableTenant: DisableTenantUseCase,
    private readonly enableTenant: EnableTenantUseCase,
  ) {}

  @Post(ADMIN_ROUTES.createTenant.path)
  @HttpCode(ADMIN_ROUTES.createTenant.status)
  create(@Body(validate(CreateTenantRequest)) body: CreateTenantRequest): Promise<TenantResponse> {
    return this.createTenant.execute(body);
  }

  @Get(ADMIN_ROUTES.listTenants.path)
  list(@Query(validate(ListTenantsQuery)) query: ListTenantsQuery): Promise<ListTenantsResponse> {
    return this.listTenants.execute(query);
  }

  @Get(ADMIN_ROUTES.getTenant.path)
  get(@Param(validate(TenantIdParam)) params: TenantIdParam): Promise<TenantResponse> {
    return this.getTenant.execute(TenantScopes.administered(params.tenant_id));
  }

  @Patch(ADMIN_ROUTES.updateTenant.path)
  update(@Param(validate(TenantIdParam)) params: TenantIdParam, @Body(validate(UpdateTenantRequest)) body: UpdateTenantRequest): Promise<TenantResponse> {
    return this.updateTenant.execute(TenantScopes.administered(params.tenant_id), body);
  }

  @Post(ADMIN_ROUTES.disableTenant.path)
  @HttpCode(200)
  disable(@Param(validate(TenantIdParam)) params: TenantIdParam): Promise<DisableTenantResponse> {
    return this.disableTenant.execute(TenantScopes.administered(params.tenant_id));
  }

  @Post(ADMIN_ROUTES.enableTenant.path)
  @HttpCode(200)
  enable(@Param(validate(TenantIdParam)) params: TenantIdParam): Promise<TenantResponse> {
    return this.enableTenant.execute(TenantScopes.administered(params.tenant_id));
  }
}
