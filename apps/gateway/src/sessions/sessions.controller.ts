import type { TenantScope } from '@avatar/contracts';
import { Body, Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import {
  API_PREFIX,
  V1_ROUTES,
  CreateSessionRequest,
  CreateSessionResponse,
  ListSessionsQuery,
  ListSessionsResponse,
  SessionIdRequest,
  SessionTokenResponse,
  StartSessionRequest,
  StartSessionResponse,
  StopSessionResponse,
} from '@avatar/contracts';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { TenantId } from '../auth/tenant-id.decorator';
import { RequiredScope } from '../auth/required-scope.decorator';
import { RateLimit } from '../limits/rate-limit.decorator';
import { validate } from '../common/zod-validation.pipe';
import { CreateSessionUseCase } from './use-cases/create-session.use-case';
import { StartSessionUseCase } from './use-cases/start-session.use-case';
import { StopSessionUseCase } from './use-cases/stop-session.use-case';
import { ListSessionsUseCase } from './use-cases/list-sessions.use-case';
import { IssueSessionTokenUseCase } from './use-cases/issue-session-token.use-case';

@Controller(API_PREFIX)
@UseGuards(ApiKeyGuard)
export class SessionsController {
  constructor(
    private readonly createSession: CreateSessionUseCase,
    private readonly startSession: StartSessionUseCase,
    private readonly stopSession: StopSessionUseCase,
    private readonly listSessions: ListSessionsUseCase,
    private readonly issueToken: IssueSessionTokenUseCase,
  ) {}

  @RequiredScope(V1_ROUTES.createSession.scope)
  @RateLimit('sessions')
  @Post(V1_ROUTES.createSession.path)
  @HttpCode(200)
  create(@TenantId() tenantId: TenantScope, @Body(validate(CreateSessionRequest)) body: CreateSessionRequest): Promise<CreateSessionResponse> {
    return this.createSession.execute(tenantId, body);
  }

  @RequiredScope(V1_ROUTES.startSession.scope)
  @Post(V1_ROUTES.startSession.path)
  @HttpCode(200)
  start(@TenantId() tenantId: TenantScope, @Body(validate(StartSessionRequest)) body: StartSessionRequest): Promise<StartSessionResponse> {
    return this.startSession.execute(tenantId, body);
  }

  @RequiredScope(V1_ROUTES.stopSession.scope)
  @Post(V1_ROUTES.stopSession.path)
  @HttpCode(200)
  stop(@TenantId() tenantId: TenantScope, @Body(validate(SessionIdRequest)) body: SessionIdRequest): Promise<StopSessionResponse> {
    return this.stopSession.execute(tenantId, body.session_id);
  }

  @RequiredScope(V1_ROUTES.sessionToken.scope)
  @Post(V1_ROUTES.sessionToken.path)
  @HttpCode(200)
  token(@TenantId() tenantId: TenantScope, @Body(validate(SessionIdRequest)) body: SessionIdRequest): Promise<SessionTokenResponse> {
    return this.issueToken.execute(tenantId, body.session_id);
  }

  @RequiredScope(V1_ROUTES.listSessions.scope)
  @Get(V1_ROUTES.listSessions.path)
  list(@TenantId() tenantId: TenantScope, @Query(validate(ListSessionsQuery)) query: ListSessionsQuery): Promise<ListSessionsResponse> {
    return this.listSessions.execute(tenantId, query);
  }
}
