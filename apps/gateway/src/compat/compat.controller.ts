import type { TenantScope } from '@avatar/contracts';
import { Body, Controller, Delete, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import {
  COMPAT_PREFIX,
  COMPAT_ROUTES,
  CompatCreateSessionRequest,
  CompatCreateSessionResponse,
  CompatTaskRequest,
  CompatTaskResponse,
  SessionIdParam,
  StopSessionResponse,
} from '@avatar/contracts';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { RequiredScope } from '../auth/required-scope.decorator';
import { TenantId } from '../auth/tenant-id.decorator';
import { validate } from '../common/zod-validation.pipe';
import { RateLimit } from '../limits/rate-limit.decorator';
import { StopSessionUseCase } from '../sessions/use-cases/stop-session.use-case';
import { SpeakUseCase } from '../speech/use-cases/speak.use-case';
import { CreateAndStartSessionUseCase } from './use-cases/create-and-start-session.use-case';

/**
 * The Avaturn-compatible API (`/api/v1`, README "Avaturn-compatible API"): Avaturn
 * Live's three calls on top of the /v1 use cases, with the same tenant key, scopes,
 * rate limit counters (a compat create counts against the tenant's streaming.new
 * limit, a task against avatar.speak's) and error envelope. Answers are 200, as Avaturn's.
 */
@Controller(COMPAT_PREFIX)
@UseGuards(ApiKeyGuard)
export class CompatController {
  constructor(
    private readonly createAndStart: CreateAndStartSessionUseCase,
    private readonly speak: SpeakUseCase,
    private readonly stopSession: StopSessionUseCase,
  ) {}

  @RequiredScope(COMPAT_ROUTES.createSession.scope)
  @RateLimit('sessions')
  @Post(COMPAT_ROUTES.createSession.path)
  @HttpCode(200)
  create(@TenantId() tenantId: TenantScope, @Body(validate(CompatCreateSessionRequest)) body: CompatCreateSessionRequest): Promise<CompatCreateSessionResponse> {
    return this.createAndStart.execute(tenantId, body);
  }

  @RequiredScope(COMPAT_ROUTES.createTask.scope)
  @RateLimit('speak')
  @Post(COMPAT_ROUTES.createTask.path)
  @HttpCode(200)
  async task(
    @TenantId() tenantId: TenantScope,
    @Param(validate(SessionIdParam)) params: SessionIdParam,
    @Body(validate(CompatTaskRequest)) body: CompatTaskRequest,
  ): Promise<CompatTaskResponse> {
    const { task_id } = await this.speak.execute(tenantId, { session_id: params.session_id, text: body.text });
    return { task_id };
  }

  /** Repeatable: deleting a stopped session answers its figures again (streaming.stop). */
  @RequiredScope(COMPAT_ROUTES.deleteSession.scope)
  @Delete(COMPAT_ROUTES.deleteSession.path)
  @HttpCode(200)
  remove(@TenantId() tenantId: TenantScope, @Param(validate(SessionIdParam)) params: SessionIdParam): Promise<StopSessionResponse> {
    return this.stopSession.execute(tenantId, params.session_id);
  }
}
