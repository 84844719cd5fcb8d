import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { TenantScopes } from '@avatar/contracts';
import { REDIS_CLIENT } from '@avatar/messaging';
import { WebhookDeliveriesRepository } from '@avatar/persistence';
import { RedisLease } from '../common/redis-lease';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WEBHOOK_MAX_DELAY_MS, WEBHOOK_JITTER } from './webhook-backoff';

/** How often the workers (the lease holder) look for pending deliveries without a job. */
export const WEBHOOK_SWEEP_INTERVAL_MS = 5_000;
/** A never-attempted delivery older than this is offered to the queue again. */
export const WEBHOOK_UNQUEUED_AFTER_SECONDS = 5;
/** A delivery last attempted longer ago than the longest backoff (with margin) has lost its job. */
export const WEBHOOK_STALLED_AFTER_SECONDS = Math.ceil((WEBHOOK_MAX_DELAY_MS * (1 + WEBHOOK_JITTER)) / 1000) + 15 * 60;
const SWEEP_BATCH = 500;
const LEASE_KEY = 'webhook-sweeper:lease';

/**
 * Makes sure every pending delivery has a job: one recorded by a process that died
 * before queueing it, one recorded outside the worker's consumer (quota events), one
 * whose job Redis lost. One worker at a time sweeps (a Redis lease, as the speech
 * reconciler's); offering a delivery twice would still be harmless (job id =
 * delivery id), but every worker re-reading every pending row is not.
 */
@Injectable()
export class WebhookSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookSweeper.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly lease: RedisLease;

  constructor(
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly dispatcher: WebhookDispatcher,
    @Inject(REDIS_CLIENT) redis: Redis,
  ) {
    this.lease = new RedisLease(redis, LEASE_KEY, WEBHOOK_SWEEP_INTERVAL_MS * 3);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.sweep()
        .then(() => undefined, (err) => this.logger.warn(`webhook sweep failed: ${(err as Error).message}`))
        .finally(() => (this.running = undefined));
    }, WEBHOOK_SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  /** Queues what has no job; the number offered (0 on a worker that does not hold the lease). */
  async sweep(): Promise<number> {
    if (!(await this.lease.hold())) return 0;
    const rows = await this.deliveries.unqueued(WEBHOOK_UNQUEUED_AFTER_SECONDS, WEBHOOK_STALLED_AFTER_SECONDS, SWEEP_BATCH);
    await this.dispatcher.dispatch(rows.map((row) => ({ tenantId: TenantScopes.ofRecord(row.tenantId), id: row.id })));
    return rows.length;
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
