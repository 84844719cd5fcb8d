import { Body, Controller, Delete, Get, HttpCode, Param, Put, UseGuards } from '@nestjs/common';
import {
  ADMIN_PREFIX,
  ADMIN_ROUTES,
  CredentialParam,
  CredentialSummary,
  ListCredentialsResponse,
  PutCredentialsRequest,
  TenantIdParam,
  TenantScopes,
} from '@avatar/contracts';
import { validate } from '../../common/zod-validation.pipe';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import { PutCredentialsUseCase } from './use-cases/put-credentials.use-case';
import { ListCredentialsUseCase } from './use-cases/list-credentials.use-case';
import { DeleteCredentialsUseCase } from './use-cases/delete-credentials.use-case';

/** Vendor credentials go in and never come out: answers name fields, not values. */
@Controller(ADMIN_PREFIX)
@UseGuards(AdminTokenGuard)
export class AdminCredentialsController {
  constructor(
    private readonly putCredentials: PutCredentialsUseCase,
    private readonly listCredentials: ListCredentialsUseCase,
    private readonly deleteCredentials: DeleteCredentialsUseCase,
  ) {}

  @Put(ADMIN_ROUTES.putCredentials.path)
  put(@Param(validate(CredentialParam)) params: CredentialParam, @Body(validate(PutCredentialsRequest)) body: PutCredentialsRequest): Promise<CredentialSummary> {
    return this.putCredentials.execute(TenantScopes.administered(params.tenant_id), params.provider, body);
  }

  @Get(ADMIN_ROUTES.listCredentials.path)
  list(@Param(validate(TenantIdParam)) params: TenantIdParam): Promise<ListCredentialsResponse> {
    return this.listCredentials.execute(TenantScopes.administered(params.tenant_id));
  }

  @Delete(ADMIN_ROUTES.deleteCredentials.path)
  @HttpCode(ADMIN_ROUTES.deleteCredentials.status)
  delete(@Param(validate(CredentialParam)) params: CredentialParam): Promise<void> {
    return this.deleteCredentials.execute(TenantScopes.administered(params.tenant_id), params.provider);
  }
}
