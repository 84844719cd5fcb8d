import type { WorkerAreaFactory } from '../worker-area';
import { EnforceMonthlyQuotasUseCase } from './enforce-monthly-quotas.use-case';
import { QuotaEnforcerScheduler } from './quota-enforcer.scheduler';

/** The monthly-minutes enforcer: stops a tenant's running sessions once its month's budget is used up. */
export const quotasArea: WorkerAreaFactory = () => ({
  imports: [],
  providers: [EnforceMonthlyQuotasUseCase, QuotaEnforcerScheduler],
});
