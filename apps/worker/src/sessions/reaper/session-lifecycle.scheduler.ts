import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { subjects, WORKER_QUEUE_GROUP } from '@avatar/contracts';
import { NATS_CONNECTION, SessionScope } from '@avatar/messaging';
import { WORKER_CONFIG, WorkerConfig } from '../../worker-config';
import { ReapSessionsUseCase } from './reap-sessions.use-case';
import { RecordPresenceUseCase } from './record-presence.use-case';
import { EnforceMonthlyQuotasUseCase } from '../../quotas/enforce-monthly-quotas.use-case';

/** Presence announcements arriving within this window are written in one statement. */
export const PRESENCE_BATCH_MS = 100;

/**
 * Runs the lifecycle on this worker: the heartbeat + reaper tick every
 * SESSION_REAPER_INTERVAL_MS (the first one at start-up, so a restart after an
 * outage ends the stranded sessions at once), then the monthly-minutes enforcer in
 * the same tick (after the reaper: a session stranded by an outage is counted up to
 * its last heartbeat, not up to now), and the notifier's presence announcements (one
 * worker of the queue group takes each), batched.
 */
@Injectable()
export class SessionLifecycleScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SessionLifecycleScheduler.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private subscription?: Subscription;
  private pending: SessionScope[] = [];
  private flushTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly reap: ReapSessionsUseCase,
    private readonly presence: RecordPresenceUseCase,
    private readonly quotas: EnforceMonthlyQuotasUseCase,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.subscription = this.nc.subscribe(subjects.anyPresence(), {
      queue: WORKER_QUEUE_GROUP,
      callback: (err, msg) => {
        if (err) return this.logger.warn(`presence subscription: ${err.message}`);
        try {
          const { tenantId, sessionId } = subjects.parse(msg.subject);
          this.pending.push({ tenantId, sessionId });
          this.flushTimer ??= setTimeout(() => void this.flush(), PRESENCE_BATCH_MS);
        } catch {
          // Not a presence subject of a session: nothing to record.
        }
      },
    });
    this.tick();
  }

  private tick(): void {
    if (this.stopped) return;
    this.running = this.reap
      .execute()
      .catch((err) => this.logger.error(`session reaper: ${(err as Error).message}`))
      .then(() => this.quotas.execute())
      .catch((err) => this.logger.error(`quota enforcer: ${(err as Error).message}`))
      .finally(() => {
        this.running = undefined;
        if (!this.stopped) this.timer = setTimeout(() => this.tick(), this.config.SESSION_REAPER_INTERVAL_MS);
      });
  }

  private async flush(): Promise<void> {
    this.flushTimer = undefined;
    const batch = this.pending;
    this.pending = [];
    await this.presence.execute(batch).catch((err) => this.logger.warn(`presence not recorded: ${(err as Error).message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.subscription?.unsubscribe();
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      await this.flush();
    }
    await this.running;
  }
}
