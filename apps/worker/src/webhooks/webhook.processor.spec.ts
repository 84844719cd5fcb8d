import { Job, UnrecoverableError } from 'bullmq';
import { TenantScopes, WebhookJobData } from '@avatar/contracts';
import type { WorkerConfig } from '../worker-config';
import type { DeliverWebhookUseCase, DeliveryOutcome } from './deliver-webhook.use-case';
import { WebhookAttemptFailedError, WebhookProcessor, webhookWorkerOptions } from './webhook.processor';

const HOUR = 3_600_000;
const DATA: WebhookJobData = { tenantId: TenantScopes.ofRecord('tenant-1'), deliveryId: 'delivery-1' };
const CONFIG = { WEBHOOK_RETRY_HOURS: 26, WEBHOOK_CONCURRENCY: 20, WEBHOOK_TIMEOUT_MS: 10_000, WEBHOOK_BACKOFF_BASE_MS: 10_000 } as WorkerConfig;

function setup(outcome: DeliveryOutcome) {
  const deliver = { execute: jest.fn().mockResolvedValue(outcome) };
  return { processor: new WebhookProcessor(deliver as unknown as DeliverWebhookUseCase, CONFIG), deliver };
}

const job = (ageMs = 0, attemptsMade = 0, attempts = 1000) => ({ data: DATA, timestamp: Date.now() - ageMs, attemptsMade, opts: { attempts } }) as unknown as Job<WebhookJobData>;

describe('WebhookProcessor', () => {
  it('completes a delivered job', async () => {
    const t = setup('delivered');

    await expect(t.processor.process(job())).resolves.toBe('delivered');

    expect(t.deliver.execute).toHaveBeenCalledWith(DATA, { final: false });
  });

  it('throws on a failed attempt, so that BullMQ retries it after the backoff', async () => {
    const t = setup('retry');

    const error = await t.processor.process(job()).catch((e) => e);

    expect(error).toBeInstanceOf(WebhookAttemptFailedError);
    expect(error).not.toBeInstanceOf(UnrecoverableError);
  });

  it('fails a given-up delivery for good (UnrecoverableError: no retry)', async () => {
    await expect(setup('failed').processor.process(job())).rejects.toBeInstanceOf(UnrecoverableError);
  });

  it('completes a job with nothing to send', async () => {
    await expect(setup('skipped').processor.process(job())).resolves.toBe('skipped');
  });

  it.each([
    [0, 0, false],
    [25.9 * HOUR, 30, false],
    [26 * HOUR, 30, true],
    [30 * HOUR, 3, true],
  ])('an attempt %i ms after queueing (%i made) is the last: %s', async (age, made, final) => {
    const t = setup('retry');

    await t.processor.process(job(age, made)).catch(() => undefined);

    expect(t.deliver.execute).toHaveBeenCalledWith(DATA, { final });
  });

  it('the job attempts ceiling also ends the retries', async () => {
    const t = setup('retry');

    await t.processor.process(job(0, 999, 1000)).catch(() => undefined);

    expect(t.deliver.execute).toHaveBeenCalledWith(DATA, { final: true });
  });

  it('runs WEBHOOK_CONCURRENCY sends with the webhook backoff and a lock longer than an attempt', () => {
    const options = webhookWorkerOptions(CONFIG);
    expect(options.concurrency).toBe(20);
    expect(options.lockDuration).toBeGreaterThan(CONFIG.WEBHOOK_TIMEOUT_MS);
    const delay = options.settings!.backoffStrategy!(3, 'webhook') as number;
    expect(delay).toBeGreaterThanOrEqual(40_000);
    expect(delay).toBeLessThanOrEqual(44_000);
  });
});
