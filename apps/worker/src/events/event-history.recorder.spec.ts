import type { JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { SessionEventsRepository } from '@avatar/persistence';
import { EventHistoryRecorder } from './event-history.recorder';

function message(seq: number, sessionId: string, event: Record<string, unknown>, log: string[], envelope: Record<string, unknown> = {}) {
  const data = new TextEncoder().encode(JSON.stringify({ tenant_id: 't1', session_id: sessionId, emitted_at: '2026-01-01T00:00:00.000Z', event, ...envelope }));
  const subject = `evt.t1.${sessionId}.${String(event.type)}`;
  return { seq, subject, data, ack: jest.fn(() => log.push(`ack ${seq}`)), nak: jest.fn(() => log.push(`nak ${seq}`)), term: jest.fn(() => log.push(`term ${seq}`)) } as unknown as JsMsg & { ack: jest.Mock; nak: jest.Mock };
}

describe('EventHistoryRecorder', () => {
  // fail: every write fails; failFor: writes holding that session fail with that error code.
  function setup(fail = false, failFor?: { sessionId: string; code: string }) {
    const log: string[] = [];
    const appendMany = jest.fn(async (groups: Array<{ tenantId: string; sessionId: string; events: Array<{ streamSeq: number }> }>) => {
      log.push(`write ${groups.map((g) => `${g.tenantId}/${g.sessionId} ${g.events.map((e) => e.streamSeq).join(',')}`).join('; ')}`);
      if (fail) throw new Error('database down');
      if (failFor && groups.some((g) => g.sessionId === failFor.sessionId)) throw Object.assign(new Error('violates'), { code: failFor.code });
    });
    const recorder = new EventHistoryRecorder({} as NatsConnection, { appendMany } as unknown as SessionEventsRepository);
    const receive = (msg: JsMsg) => (recorder as unknown as { receive(m: JsMsg): void }).receive(msg);
    const flushed = () => (recorder as unknown as { flushing?: Promise<void> }).flushing;
    return { log, appendMany, receive, flushed };
  }

  it('writes what arrived within the linger as one batch, grouped by session, then acknowledges it', async () => {
    const { log, appendMany, receive, flushed } = setup();
    receive(message(1, 's1', { type: 'task.started', task_id: 'k1', duration_estimate: 1, attempt: 1 }, log));
    await new Promise((resolve) => setTimeout(resolve, 1)); // later, but within the linger
    receive(message(2, 's2', { type: 'status', status: 'idle', message: 'm' }, log));
    receive(message(3, 's1', { type: 'task.completed', task_id: 'k1', duration: 1 }, log));
    await flushed();
    expect(appendMany).toHaveBeenCalledTimes(1);
    expect(appendMany.mock.calls[0][0][0].events).toEqual([
      expect.objectContaining({ streamSeq: 1, type: 'task.started', taskId: 'k1', payload: { task_id: 'k1', duration_estimate: 1, attempt: 1 } }),
      expect.objectContaining({ streamSeq: 3, type: 'task.completed', taskId: 'k1' }),
    ]);
    expect(log).toEqual(['write t1/s1 1,3; t1/s2 2', 'ack 1', 'ack 3', 'ack 2']);
  });

  it('leaves a failed batch unacknowledged for redelivery (nak)', async () => {
    const { log, receive, flushed } = setup(true);
    receive(message(7, 's1', { type: 'status', status: 'idle', message: 'm' }, log));
    await flushed();
    expect(log).toEqual(['write t1/s1 7', 'nak 7']);
  });

  it('writes the other sessions alone when one of them is gone (foreign key), and drops the gone one', async () => {
    const { log, receive, flushed } = setup(false, { sessionId: 's2', code: '23503' });
    receive(message(1, 's1', { type: 'status', status: 'idle', message: 'm' }, log));
    receive(message(2, 's2', { type: 'status', status: 'idle', message: 'm' }, log));
    await flushed();
    expect(log).toEqual(['write t1/s1 1; t1/s2 2', 'write t1/s1 1', 'ack 1', 'write t1/s2 2', 'ack 2']);
  });

  it('redelivers only the group that failed for another reason', async () => {
    const { log, receive, flushed } = setup(false, { sessionId: 's2', code: '57P01' });
    receive(message(1, 's1', { type: 'status', status: 'idle', message: 'm' }, log));
    receive(message(2, 's2', { type: 'status', status: 'idle', message: 'm' }, log));
    await flushed();
    expect(log).toEqual(['write t1/s1 1; t1/s2 2', 'write t1/s1 1', 'ack 1', 'write t1/s2 2', 'nak 2']);
  });

  it('terminates a message that is not JSON without writing it (never redelivered)', async () => {
    const { log, receive, flushed } = setup();
    const bad = { seq: 9, subject: 'evt.t1.s1.status', data: new TextEncoder().encode('{not json'), ack: jest.fn(() => log.push('ack 9')), nak: jest.fn(), term: jest.fn(() => log.push('term 9')) } as unknown as JsMsg;
    receive(bad);
    receive(message(10, 's1', { type: 'status', status: 'idle', message: 'm' }, log));
    await flushed();
    expect(log).toEqual(['term 9', 'write t1/s1 10', 'ack 10']);
  });

  it('terminates events that fail their schema: a missing field, a wrong type, an envelope naming another session than its subject', async () => {
    const { log, receive, flushed } = setup();
    receive(message(1, 's1', { type: 'task.completed', task_id: 'k1' }, log));
    receive(message(2, 's1', { type: 'status', status: 'asleep', message: 'm' }, log));
    receive(message(3, 's1', { type: 'status', status: 'idle', message: 'm' }, log, { session_id: 's2' }));
    receive(message(4, 's1', { type: 'status', status: 'idle', message: 'm' }, log));
    await flushed();
    expect(log).toEqual(['term 1', 'term 2', 'term 3', 'write t1/s1 4', 'ack 4']);
  });
});
