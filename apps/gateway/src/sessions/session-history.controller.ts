import type { TenantScope } from '@avatar/contracts';
import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { API_PREFIX, SessionHistoryResponse, SessionIdParam, V1_ROUTES } from '@avatar/contracts';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { RequiredScope } from '../auth/required-scope.decorator';
import { TenantId } from '../auth/tenant-id.decorator';
import { validate } from '../common/zod-validation.pipe';
import { GetSessionUseCase } from './use-cases/get-session.use-case';

/** GET /v1/sessions/{session_id}: one session with its tasks and event history (scope sessions:read). */
@Controller(API_PREFIX)
@UseGuards(ApiKeyGuard)
export class SessionHistoryController {
  constructor(private readonly getSession: GetSessionUseCase) {}

  @RequiredScope(V1_ROUTES.getSession.scope)
  @Get(V1_ROUTES.getSession.path)
  session(@TenantId() tenantId: TenantScope, @Param(validate(SessionIdParam)) params: SessionIdParam): Promise<SessionHistoryResponse> {
    return this.getSession.execute(tenantId, params.session_id);
  }
}
