import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Inject } from '@nestjs/common';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job, UnrecoverableError, WorkerOptions } from 'bullmq';
import { WEBHOOK_QUEUE, WebhookJobData } from '@avatar/contracts';
import { WORKER_CONFIG, WorkerConfig } from '../worker-config';
import { DeliverWebhookUseCase, DeliveryOutcome } from './deliver-webhook.use-case';
import { webhookBackoffStrategy } from './webhook-backoff';

/** A failed attempt that BullMQ retries after the webhook backoff. */
export class WebhookAttemptFailedError extends Error {
  constructor(deliveryId: string) {
    super(`webhook delivery ${deliveryId}: attempt failed, will be retried`);
    this.name = 'WebhookAttemptFailedError';
  }
}

/**
 * The webhook worker's options: WEBHOOK_CONCURRENCY sends at once, the custom backoff,
 * and a job lock that outlives the longest attempt (WEBHOOK_TIMEOUT_MS), so a slow
 * receiver does not make its job look stalled and sent twice.
 */
export function webhookWorkerOptions(config: WorkerConfig): Omit<WorkerOptions, 'connection'> {
  return {
    concurrency: config.WEBHOOK_CONCURRENCY,
    lockDuration: Math.max(30_000, config.WEBHOOK_TIMEOUT_MS * 2 + 5_000),
    settings: { backoffStrategy: webhookBackoffStrategy(config.WEBHOOK_BACKOFF_BASE_MS) },
  };
}

/** Applies @Processor with the options from the config (known only at start-up), like the speech processor. */
export function registerWebhookProcessor(config: WorkerConfig): typeof WebhookProcessor {
  Processor(WEBHOOK_QUEUE, webhookWorkerOptions(config))(WebhookProcessor);
  return WebhookProcessor;
}

/**
 * Maps a delivery job to one attempt. The attempt is the last when WEBHOOK_RETRY_HOURS
 * have passed since the job was queued (or the job's attempts ceiling is reached): the
 * retries span at least that long whatever the backoff base. A failed attempt that is
 * not the last throws, and BullMQ schedules the next one (webhookBackoffStrategy).
 */
@Injectable()
export class WebhookProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(WebhookProcessor.name);

  constructor(
    private readonly deliver: DeliverWebhookUseCase,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.on('error', (err) => this.logger.error(`webhook queue error: ${err.message}`));
  }

  async process(job: Job<WebhookJobData>): Promise<DeliveryOutcome> {
    const outcome = await this.deliver.execute(job.data, { final: this.isLastAttempt(job) });
    if (outcome === 'retry') throw new WebhookAttemptFailedError(job.data.deliveryId);
    if (outcome === 'failed') throw new UnrecoverableError(`webhook delivery ${job.data.deliveryId} given up`);
    return outcome;
  }

  isLastAttempt(job: Pick<Job, 'timestamp' | 'attemptsMade' | 'opts'>, now = Date.now()): boolean {
    const retryMs = this.config.WEBHOOK_RETRY_HOURS * 3_600_000;
    return now - job.timestamp >= retryMs || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  }
}
