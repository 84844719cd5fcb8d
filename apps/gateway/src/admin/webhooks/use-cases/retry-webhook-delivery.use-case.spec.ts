import { TenantScopes, WEBHOOK_JOB_OPTIONS } from '@avatar/contracts';
import type { Queue } from 'bullmq';
import type { WebhookDeliveriesRepository, WebhookDeliveryRow, WebhookEndpointsRepository } from '@avatar/persistence';
import type { AdminAudit } from '../../common/admin-audit';
import { RetryWebhookDeliveryUseCase } from './retry-webhook-delivery.use-case';

const TENANT = TenantScopes.administered('11111111-1111-4111-8111-111111111111');
const WEBHOOK = '22222222-2222-4222-8222-222222222222';
const DELIVERY = '33333333-3333-4333-8333-333333333333';

const row = (status: WebhookDeliveryRow['status']): WebhookDeliveryRow => ({
  id: DELIVERY,
  tenantId: TENANT,
  endpointId: WEBHOOK,
  eventType: 'task.failed',
  eventKey: 'task.failed:k',
  payload: {},
  status,
  attempts: 40,
  lastStatus: 500,
  lastError: 'HTTP 500',
  createdAt: new Date('2026-11-20T10:00:00Z'),
  lastAttemptAt: new Date('2026-11-21T12:00:00Z'),
  deliveredAt: null,
});

function setup(options: { endpoint?: object | null; reopened?: WebhookDeliveryRow | null; existing?: WebhookDeliveryRow | null; jobState?: string | null } = {}) {
  const endpoints = { find: jest.fn().mockResolvedValue(options.endpoint === undefined ? { id: WEBHOOK, disabledAt: null } : options.endpoint) };
  const deliveries = {
    reopen: jest.fn().mockResolvedValue(options.reopened === undefined ? row('pending') : options.reopened),
    find: jest.fn().mockResolvedValue(options.existing ?? null),
  };
  const job = options.jobState ? { getState: jest.fn().mockResolvedValue(options.jobState), promote: jest.fn(), remove: jest.fn() } : null;
  const queue = { getJob: jest.fn().mockResolvedValue(job), add: jest.fn() };
  const useCase = new RetryWebhookDeliveryUseCase(
    endpoints as unknown as WebhookEndpointsRepository,
    deliveries as unknown as WebhookDeliveriesRepository,
    queue as unknown as Queue,
    { record: jest.fn() } as unknown as AdminAudit,
  );
  return { useCase, deliveries, queue, job };
}

describe('RetryWebhookDeliveryUseCase', () => {
  it('reopens a failed delivery and queues it again under its own id', async () => {
    const t = setup();

    const answer = await t.useCase.execute(TENANT, WEBHOOK, DELIVERY);

    expect(answer).toMatchObject({ id: DELIVERY, status: 'pending', attempts: 40 });
    expect(t.deliveries.reopen).toHaveBeenCalledWith(TENANT, WEBHOOK, DELIVERY);
    expect(t.queue.add).toHaveBeenCalledWith('deliver', { tenantId: TENANT, deliveryId: DELIVERY }, { ...WEBHOOK_JOB_OPTIONS, jobId: DELIVERY });
  });

  it('runs a job waiting for its backoff now instead of queueing a second one', async () => {
    const t = setup({ jobState: 'delayed' });

    await t.useCase.execute(TENANT, WEBHOOK, DELIVERY);

    expect(t.job!.promote).toHaveBeenCalled();
    expect(t.queue.add).not.toHaveBeenCalled();
  });

  it('replaces a finished job left in the queue (same id)', async () => {
    const t = setup({ jobState: 'failed' });

    await t.useCase.execute(TENANT, WEBHOOK, DELIVERY);

    expect(t.job!.remove).toHaveBeenCalled();
    expect(t.queue.add).toHaveBeenCalled();
  });

  it("another tenant's (or an unknown) webhook: 404, nothing reopened", async () => {
    const t = setup({ endpoint: null });

    await expect(t.useCase.execute(TENANT, WEBHOOK, DELIVERY)).rejects.toMatchObject({ code: 'NOT_FOUND', details: { webhook_id: WEBHOOK } });
    expect(t.deliveries.reopen).not.toHaveBeenCalled();
  });

  it('an unknown delivery: 404; a delivered one: 400, nothing queued', async () => {
    await expect(setup({ reopened: null }).useCase.execute(TENANT, WEBHOOK, DELIVERY)).rejects.toMatchObject({ code: 'NOT_FOUND', details: { delivery_id: DELIVERY } });
    const delivered = setup({ reopened: null, existing: row('delivered') });
    await expect(delivered.useCase.execute(TENANT, WEBHOOK, DELIVERY)).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(delivered.queue.add).not.toHaveBeenCalled();
  });

  it('a deleted endpoint: 400, nothing reopened', async () => {
    const t = setup({ endpoint: { id: WEBHOOK, disabledAt: new Date() } });

    await expect(t.useCase.execute(TENANT, WEBHOOK, DELIVERY)).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(t.deliveries.reopen).not.toHaveBeenCalled();
  });
});
