import type { GatewayAreaFactory } from '../gateway-area';
import { SessionHistoryController } from '../sessions/session-history.controller';
import { GetSessionUseCase } from '../sessions/use-cases/get-session.use-case';
import { AdminUsageController } from '../admin/usage/admin-usage.controller';
import { MonthlyMinutesQuota } from './monthly-minutes.quota';
import { UsageController } from './usage.controller';
import { UsageReportUseCase } from './use-cases/usage-report.use-case';

/**
 * Usage, history and quotas at the door: GET /v1/usage and GET /admin/v1/usage,
 * GET /v1/sessions/{id} (a session's history), and the monthly-minutes check that
 * streaming.new and streaming.start run (MonthlyMinutesQuota). The session-count and
 * queued-task quotas are in the sessions' and speech's own statements.
 */
export const usageArea: GatewayAreaFactory = () => ({
  imports: [],
  controllers: [UsageController, AdminUsageController, SessionHistoryController],
  providers: [UsageReportUseCase, GetSessionUseCase, MonthlyMinutesQuota],
});
