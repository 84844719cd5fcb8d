import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import {
  ADMIN_PREFIX,
  ADMIN_ROUTES,
  ApiKeyIdParam,
  ApiKeySummary,
  CreateApiKeyRequest,
  CreatedApiKeyResponse,
  ListApiKeysResponse,
  RotateApiKeyRequest,
  RotatedApiKeyResponse,
  TenantIdParam,
  TenantScopes,
} from '@avatar/contracts';
import { validate } from '../../common/zod-validation.pipe';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import { CreateApiKeyUseCase } from './use-cases/create-api-key.use-case';
import { ListApiKeysUseCase } from './use-cases/list-api-keys.use-case';
import { RotateApiKeyUseCase } from './use-cases/rotate-api-key.use-case';
import { RevokeApiKeyUseCase } from './use-cases/revoke-api-key.use-case';

@Controller(ADMIN_PREFIX)
@UseGuards(AdminTokenGuard)
export class AdminApiKeysController {
  constructor(
    private readonly createKey: CreateApiKeyUseCase,
    private readonly listKeys: ListApiKeysUseCase,
    private readonly rotateKey: RotateApiKeyUseCase,
    private readonly revokeKey: RevokeApiKeyUseCase,
  ) {}

  @Post(ADMIN_ROUTES.createApiKey.path)
  @HttpCode(ADMIN_ROUTES.createApiKey.status)
  create(@Param(validate(TenantIdParam)) params: TenantIdParam, @Body(validate(CreateApiKeyRequest)) body: CreateApiKeyRequest): Promise<CreatedApiKeyResponse> {
    return this.createKey.execute(TenantScopes.administered(params.tenant_id), body);
  }

  @Get(ADMIN_ROUTES.listApiKeys.path)
  list(@Param(validate(TenantIdParam)) params: TenantIdParam): Promise<ListApiKeysResponse> {
    return this.listKeys.execute(TenantScopes.administered(params.tenant_id));
  }

  @Post(ADMIN_ROUTES.rotateApiKey.path)
  @HttpCode(ADMIN_ROUTES.rotateApiKey.status)
  rotate(@Param(validate(ApiKeyIdParam)) params: ApiKeyIdParam, @Body(validate(RotateApiKeyRequest)) body: RotateApiKeyRequest): Promise<RotatedApiKeyResponse> {
    return this.rotateKey.execute(TenantScopes.administered(params.tenant_id), params.key_id, body);
  }

  @Post(ADMIN_ROUTES.revokeApiKey.path)
  @HttpCode(200)
  revoke(@Param(validate(ApiKeyIdParam)) params: ApiKeyIdParam): Promise<ApiKeySummary> {
    return this.revokeKey.execute(TenantScopes.administered(params.tenant_id), params.key_id);
  }
}
