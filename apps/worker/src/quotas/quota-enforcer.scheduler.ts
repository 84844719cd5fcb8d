import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { WORKER_CONFIG, WorkerConfig } from '../worker-config';
import { EnforceMonthlyQuotasUseCase } from './enforce-monthly-quotas.use-case';

/**
 * Runs the monthly-minutes enforcer on this worker every SESSION_REAPER_INTERVAL_MS
 * (the reaper's interval: a session over its tenant's budget stops at most one
 * interval late), the first pass at start-up. One pass at a time; shutdown waits for
 * the running one.
 */
@Injectable()
export class QuotaEnforcerScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(QuotaEnforcerScheduler.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;

  constructor(
    private readonly enforce: EnforceMonthlyQuotasUseCase,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.tick();
  }

  private tick(): void {
    if (this.stopped) return;
    this.running = this.enforce
      .execute()
      .catch((err) => this.logger.error(`quota enforcer: ${(err as Error).message}`))
      .finally(() => {
        this.running = undefined;
        if (!this.stopped) this.timer = setTimeout(() => this.tick(), this.config.SESSION_REAPER_INTERVAL_MS);
      });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
