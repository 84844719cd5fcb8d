import type { TenantScope } from '@avatar/contracts';
import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { API_PREFIX, InterruptResponse, V1_ROUTES, SessionIdRequest, SpeakRequest, SpeakResponse, TaskIdParam, TaskResponse } from '@avatar/contracts';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { TenantId } from '../auth/tenant-id.decorator';
import { RequiredScope } from '../auth/required-scope.decorator';
import { RateLimit } from '../limits/rate-limit.decorator';
import { validate } from '../common/zod-validation.pipe';
import { SpeakUseCase } from './use-cases/speak.use-case';
import { InterruptUseCase } from './use-cases/interrupt.use-case';
import { GetTaskUseCase } from './use-cases/get-task.use-case';

@Controller(API_PREFIX)
@UseGuards(ApiKeyGuard)
export class SpeechController {
  constructor(
    private readonly speak: SpeakUseCase,
    private readonly interrupt: InterruptUseCase,
    private readonly getTask: GetTaskUseCase,
  ) {}

  @RequiredScope(V1_ROUTES.speak.scope)
  @RateLimit('speak')
  @Post(V1_ROUTES.speak.path)
  @HttpCode(200)
  speakText(@TenantId() tenantId: TenantScope, @Body(validate(SpeakRequest)) body: SpeakRequest): Promise<SpeakResponse> {
    return this.speak.execute(tenantId, body);
  }

  @RequiredScope(V1_ROUTES.interrupt.scope)
  @Post(V1_ROUTES.interrupt.path)
  @HttpCode(200)
  interruptSession(@TenantId() tenantId: TenantScope, @Body(validate(SessionIdRequest)) body: SessionIdRequest): Promise<InterruptResponse> {
    return this.interrupt.execute(tenantId, body.session_id);
  }

  @RequiredScope(V1_ROUTES.getTask.scope)
  @Get(V1_ROUTES.getTask.path)
  task(@TenantId() tenantId: TenantScope, @Param(validate(TaskIdParam)) params: { task_id: string }): Promise<TaskResponse> {
    return this.getTask.execute(tenantId, params.task_id);
  }
}
