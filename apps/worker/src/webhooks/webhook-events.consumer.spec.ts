import type { JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { EventEnvelope, SessionEvent } from '@avatar/contracts';
import type { WebhookOutboxRepository } from '@avatar/persistence';
import { DISPATCH_TIMEOUT_MS, WebhookEventsConsumer } from './webhook-events.consumer';
import type { WebhookDispatcher } from './webhook-dispatcher';

const TENANT = '11111111-1111-4111-8111-111111111111';

function message(event: SessionEvent | string, subjectType = typeof event === 'string' ? 'session.started' : event.type) {
  const envelope: EventEnvelope | string = typeof event === 'string' ? event : { tenant_id: TENANT, session_id: 's1', emitted_at: '2026-11-21T10:00:00.000Z', event };
  const data = new TextEncoder().encode(typeof envelope === 'string' ? envelope : JSON.stringify(envelope));
  return { seq: 7, subject: `evt.${TENANT}.s1.${subjectType}`, data, ack: jest.fn(), nak: jest.fn(), term: jest.fn() } as unknown as JsMsg & { ack: jest.Mock; nak: jest.Mock; term: jest.Mock };
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

  it('acknowledges, without recording, events that are no webhook', async () => {
    const t = setup();
    const status = message({ type: 'task.completed', task_id: 'k', duration: 1 });

    await t.consumer.handle(status);

    expect(status.ack).toHaveBeenCalled();
    expect(t.outbox.record).not.toHaveBeenCalled();
  });

  it('terminates (never redelivered, never recorded) messages that are not JSON or fail the event schema', async () => {
    const t = setup();
    const garbage = message('{not json');
    const incomplete = message({ type: 'session.stopped', reason: 'client_stop' } as unknown as SessionEvent);
    const misfiled = message({ type: 'session.started' }, 'task.failed');

    for (const msg of [garbage, incomplete, misfiled]) await t.consumer.handle(msg);

    for (const msg of [garbage, incomplete, misfiled]) {
      expect(msg.term).toHaveBeenCalled();
      expect(msg.ack).not.toHaveBeenCalled();
    }
    expect(t.outbox.record).not.toHaveBeenCalled();
  });
});
