import type { TenantScope } from '../tenancy/tenant-scope';

/** The BullMQ queue of webhook deliveries: one job per delivery row, sent by the workers (docs/adr/0010). */
export const WEBHOOK_QUEUE = 'webhook-deliveries';
export const WEBHOOK_JOB = 'deliver';
/** The custom backoff the workers apply to failed attempts (their `settings.backoffStrategy`). */
export const WEBHOOK_BACKOFF_TYPE = 'webhook';

export interface WebhookJobData {
  /** The tenant of the delivery row (on record). */
  tenantId: TenantScope;
  deliveryId: string;
}

/**
 * How a delivery job is queued, by whoever queues it (the workers' event consumer and
 * sweeper, the admin retry). The job id is the delivery id, so a delivery is queued
 * once however many times it is offered while its job waits, runs or backs off.
 * How long it is retried is decided by the worker (WEBHOOK_RETRY_HOURS, counted from
 * when the job was queued): `attempts` is only a ceiling far above that schedule.
 * Finished jobs are removed at once: the delivery row keeps the history, and a later
 * manual retry can queue the same id again.
 */
export const WEBHOOK_JOB_OPTIONS = {
  attempts: 1000,
  backoff: { type: WEBHOOK_BACKOFF_TYPE },
  removeOnComplete: true,
  removeOnFail: true,
};

/** The job that sends one delivery. */
export function webhookJob(tenantId: TenantScope, deliveryId: string) {
  return { name: WEBHOOK_JOB, data: { tenantId, deliveryId } satisfies WebhookJobData, opts: { ...WEBHOOK_JOB_OPTIONS, jobId: deliveryId } };
}
