import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { TenantScopes } from '@avatar/contracts';
import { WebhookDeliveriesRepository } from '@avatar/persistence';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WEBHOOK_MAX_DELAY_MS, WEBHOOK_JITTER } from './webhook-backoff';

/** How often every worker looks for pending deliveries without a job. */
export const WEBHOOK_SWEEP_INTERVAL_MS = 5_000;
/** A never-attempted delivery older than this is offered to the queue again. */
export const WEBHOOK_UNQUEUED_AFTER_SECONDS = 5;
/** A delivery last attempted longer ago than the longest backoff (with margin) has lost its job. */
export const WEBHOOK_STALLED_AFTER_SECONDS = Math.ceil((WEBHOOK_MAX_DELAY_MS * (1 + WEBHOOK_JITTER)) / 1000) + 15 * 60;
const SWEEP_BATCH = 500;

/**
 * Makes sure every pending delivery has a job: one recorded by a process that died
 * before queueing it, one recorded outside the worker's consumer (quota events), one
 * whose job Redis lost. Every worker sweeps; offering a delivery twice is harmless
 * (job id = delivery id).
 */
@Injectable()
export class WebhookSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookSweeper.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly dispatcher: WebhookDispatcher,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.sweep()
        .then(() => undefined, (err) => this.logger.warn(`webhook sweep failed: ${(err as Error).message}`))
        .finally(() => (this.running = undefined));
    }, WEBHOOK_SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  /** Queues what has no job; the number offered. */
  async sweep(): Promise<number> {
    const rows = await this.deliveries.unqueued(WEBHOOK_UNQUEUED_AFTER_SECONDS, WEBHOOK_STALLED_AFTER_SECONDS, SWEEP_BATCH);
    await this.dispatcher.dispatch(rows.map((row) => ({ tenantId: TenantScopes.ofRecord(row.tenantId), id: row.id })));
    return rows.length;
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
