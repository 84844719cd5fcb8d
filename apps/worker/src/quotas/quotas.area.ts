import type { WorkerAreaFactory } from '../worker-area';
import { EnforceMonthlyQuotasUseCase } from './enforce-monthly-quotas.use-case';

/**
 * The monthly-minutes enforcer: stops a tenant's running sessions once its month's
 * budget is used up. SessionLifecycleScheduler runs it right after each reaper tick.
 */
export const quotasArea: WorkerAreaFactory = () => ({
  imports: [],
  providers: [EnforceMonthlyQuotasUseCase],
});
