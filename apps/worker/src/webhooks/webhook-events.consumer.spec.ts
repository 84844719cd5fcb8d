import type { JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { EventEnvelope, SessionEvent } from '@avatar/contracts';
import type { WebhookOutboxRepository } from '@avatar/persistence';
import { DISPATCH_TIMEOUT_MS, WebhookEventsConsumer } from './webhook-events.consumer';
import type { WebhookDispatcher } from './webhook-dispatcher';

const TENANT = '11111111-1111-4111-8111-111111111111';

function message(event: SessionEvent | string) {
  const envelope: EventEnvelope | string = typeof event === 'string' ? event : { tenant_id: TENANT, session_id: 's1', emitted_at: '2026-11-21T10:00:00.000Z', event };
  const data = new TextEncoder().encode(typeof envelope === 'string' ? envelope : JSON.stringify(envelope));
  return { seq: 7, data, ack: jest.fn(), nak: jest.fn() } as unknown as JsMsg & { ack: jest.Mock; nak: jest.Mock };
}

function setup() {
  const calls: string[] = [];
  const outbox = { record: jest.fn(async () => (calls.push('record'), ['d1', 'd2'])) };
  const dispatcher = { dispatch: jest.fn(async () => void calls.push('dispatch')) };
  const consumer = new WebhookEventsConsumer({} as NatsConnection, outbox as unknown as WebhookOutboxRepository, dispatcher as unknown as WebhookDispatcher);
  return { consumer, outbox, dispatcher, calls };
}

describe('WebhookEventsConsumer', () => {
  it('records the event for the tenant, queues its deliveries, then acknowledges', async () => {
    const t = setup();
    const msg = message({ type: 'session.stopped', duration: 2, billed_seconds: 2, reason: 'client_stop' });
    msg.ack.mockImplementation(() => t.calls.push('ack'));

    await t.consumer.handle(msg);

    expect(t.outbox.record).toHaveBeenCalledWith(TENANT, expect.objectContaining({ type: 'session.stopped', key: 'session.stopped:s1' }));
    expect(t.dispatcher.dispatch).toHaveBeenCalledWith([{ tenantId: TENANT, id: 'd1' }, { tenantId: TENANT, id: 'd2' }]);
    expect(t.calls).toEqual(['record', 'dispatch', 'ack']);
  });

  it('asks for the event again when the insert fails (nothing acknowledged)', async () => {
    const t = setup();
    t.outbox.record.mockRejectedValue(new Error('database down'));
    const msg = message({ type: 'session.started' });

    await t.consumer.handle(msg);

    expect(msg.nak).toHaveBeenCalled();
    expect(msg.ack).not.toHaveBeenCalled();
    expect(t.dispatcher.dispatch).not.toHaveBeenCalled();
  });

  it('acknowledges a recorded event even if queueing fails (the sweeper queues it)', async () => {
    const t = setup();
    t.dispatcher.dispatch.mockRejectedValue(new Error('redis down'));
    const msg = message({ type: 'task.failed', task_id: 'k1', error: 'boom' });

    await t.consumer.handle(msg);

    expect(msg.ack).toHaveBeenCalled();
    expect(msg.nak).not.toHaveBeenCalled();
  });

  it('acknowledges a recorded event when the queue does not answer in time', async () => {
    jest.useFakeTimers();
    try {
      const t = setup();
      t.dispatcher.dispatch.mockReturnValue(new Promise(() => undefined));
      const msg = message({ type: 'session.started' });

      const handled = t.consumer.handle(msg);
      await jest.advanceTimersByTimeAsync(DISPATCH_TIMEOUT_MS);
      await handled;

      expect(msg.ack).toHaveBeenCalled();
    } finally {
      jest.useRealTimers();
    }
  });

  it('acknowledges, without recording, events that are no webhook and messages that are not JSON', async () => {
    const t = setup();
    const status = message({ type: 'task.completed', task_id: 'k', duration: 1 });
    const garbage = message('{not json');

    await t.consumer.handle(status);
    await t.consumer.handle(garbage);

    expect(status.ack).toHaveBeenCalled();
    expect(garbage.ack).toHaveBeenCalled();
    expect(t.outbox.record).not.toHaveBeenCalled();
  });
});
