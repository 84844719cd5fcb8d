import type { Redis } from 'ioredis';
import type { WebhookDeliveriesRepository } from '@avatar/persistence';
import { fakeLeaseRedis } from '@avatar/testing';
import type { WebhookDispatcher } from './webhook-dispatcher';
import { WEBHOOK_STALLED_AFTER_SECONDS, WEBHOOK_UNQUEUED_AFTER_SECONDS, WebhookSweeper } from './webhook-sweeper';
import { WEBHOOK_MAX_DELAY_MS } from './webhook-backoff';

describe('WebhookSweeper', () => {
  it('offers every pending delivery without a job to the queue, each with its own tenant', async () => {
    const deliveries = { unqueued: jest.fn().mockResolvedValue([{ tenantId: 't1', id: 'd1' }, { tenantId: 't2', id: 'd2' }]) };
    const dispatcher = { dispatch: jest.fn().mockResolvedValue(undefined) };
    const sweeper = new WebhookSweeper(deliveries as unknown as WebhookDeliveriesRepository, dispatcher as unknown as WebhookDispatcher, fakeLeaseRedis() as unknown as Redis);

    expect(await sweeper.sweep()).toBe(2);

    expect(deliveries.unqueued).toHaveBeenCalledWith(WEBHOOK_UNQUEUED_AFTER_SECONDS, WEBHOOK_STALLED_AFTER_SECONDS, expect.any(Number));
    expect(dispatcher.dispatch).toHaveBeenCalledWith([{ tenantId: 't1', id: 'd1' }, { tenantId: 't2', id: 'd2' }]);
  });

  it('lets only the lease holder sweep: a second worker on the same Redis reads nothing', async () => {
    const redis = fakeLeaseRedis() as unknown as Redis;
    const make = () => {
      const deliveries = { unqueued: jest.fn().mockResolvedValue([]) };
      const sweeper = new WebhookSweeper(deliveries as unknown as WebhookDeliveriesRepository, { dispatch: jest.fn() } as unknown as WebhookDispatcher, redis);
      return { deliveries, sweeper };
    };
    const holder = make();
    const other = make();

    await holder.sweeper.sweep();
    await other.sweeper.sweep();

    expect(holder.deliveries.unqueued).toHaveBeenCalledTimes(1);
    expect(other.deliveries.unqueued).not.toHaveBeenCalled();
  });

  it('counts a delivery as stalled only after the longest backoff delay', () => {
    expect(WEBHOOK_STALLED_AFTER_SECONDS * 1000).toBeGreaterThan(WEBHOOK_MAX_DELAY_MS * 1.1);
  });
});
