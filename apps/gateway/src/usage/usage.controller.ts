import type { TenantScope } from '@avatar/contracts';
import { Controller, Get, Headers, Query, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { API_PREFIX, UsageQuery, UsageResponse, V1_ROUTES } from '@avatar/contracts';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { RequiredScope } from '../auth/required-scope.decorator';
import { TenantId } from '../auth/tenant-id.decorator';
import { validate } from '../common/zod-validation.pipe';
import { renderUsage, wantsCsv } from './usage-format';
import { UsageReportUseCase } from './use-cases/usage-report.use-case';

/** GET /v1/usage: the tenant's own usage (scope usage:read), JSON or CSV. */
@Controller(API_PREFIX)
@UseGuards(ApiKeyGuard)
export class UsageController {
  constructor(private readonly report: UsageReportUseCase) {}

  @RequiredScope(V1_ROUTES.usage.scope)
  @Get(V1_ROUTES.usage.path)
  async usage(
    @TenantId() tenantId: TenantScope,
    @Query(validate(UsageQuery)) query: UsageQuery,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<UsageResponse | string> {
    return renderUsage(await this.report.execute(tenantId, query), wantsCsv(query.format, accept), reply);
  }
}
