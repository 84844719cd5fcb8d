import { Controller, Get, Headers, Query, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ADMIN_PREFIX, ADMIN_USAGE_ROUTES, AdminUsageQuery, TenantScopes, UsageResponse } from '@avatar/contracts';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import { validate } from '../../common/zod-validation.pipe';
import { renderUsage, wantsCsv } from '../../usage/usage-format';
import { UsageReportUseCase } from '../../usage/use-cases/usage-report.use-case';

/**
 * GET /admin/v1/usage (ADMIN_TOKEN): any tenant's usage, the tenant the operator
 * names; the same report as the tenant's own GET /v1/usage. An unknown tenant has no
 * sessions: an empty report.
 */
@Controller(ADMIN_PREFIX)
@UseGuards(AdminTokenGuard)
export class AdminUsageController {
  constructor(private readonly report: UsageReportUseCase) {}

  @Get(ADMIN_USAGE_ROUTES.usage.path)
  async usage(
    @Query(validate(AdminUsageQuery)) query: AdminUsageQuery,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<UsageResponse | string> {
    const { tenant_id: tenantId, ...rest } = query;
    return renderUsage(await this.report.execute(TenantScopes.administered(tenantId), rest), wantsCsv(query.format, accept), reply);
  }
}
