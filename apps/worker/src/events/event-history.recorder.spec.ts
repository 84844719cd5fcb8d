import type { JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { SessionEventsRepository } from '@avatar/persistence';
import { EventHistoryRecorder } from './event-history.recorder';

function message(seq: number, sessionId: string, event: Record<string, unknown>, log: string[]) {
  const data = new TextEncoder().encode(JSON.stringify({ tenant_id: 't1', session_id: sessionId, emitted_at: '2026-01-01T00:00:00.000Z', event }));
  return { seq, data, ack: jest.fn(() => log.push(`ack ${seq}`)), nak: jest.fn(() => log.push(`nak ${seq}`)) } as unknown as JsMsg & { ack: jest.Mock; nak: jest.Mock };
}

describe('EventHistoryRecorder', () => {
  function setup(fail = false) {
    const log: string[] = [];
    const append = jest.fn(async (_tenant: string, sessionId: string, events: Array<{ streamSeq: number }>) => {
      log.push(`write ${sessionId} ${events.map((e) => e.streamSeq).join(',')}`);
      if (fail) throw new Error('database down');
    });
    const recorder = new EventHistoryRecorder({} as NatsConnection, { append } as unknown as SessionEventsRepository);
    const receive = (msg: JsMsg) => (recorder as unknown as { receive(m: JsMsg): void }).receive(msg);
    const flushed = () => (recorder as unknown as { flushing?: Promise<void> }).flushing;
    return { log, append, receive, flushed };
  }

  it('writes the messages that arrived together as one batch per session, then acknowledges them', async () => {
    const { log, append, receive, flushed } = setup();
    receive(message(1, 's1', { type: 'task.started', task_id: 'k1', duration_estimate: 1 }, log));
    receive(message(2, 's2', { type: 'status', status: 'idle', message: 'm' }, log));
    receive(message(3, 's1', { type: 'task.completed', task_id: 'k1', duration: 1 }, log));
    await flushed();
    expect(append).toHaveBeenCalledTimes(2);
    expect(append.mock.calls[0][2]).toEqual([
      expect.objectContaining({ streamSeq: 1, type: 'task.started', taskId: 'k1', payload: { task_id: 'k1', duration_estimate: 1 } }),
      expect.objectContaining({ streamSeq: 3, type: 'task.completed', taskId: 'k1' }),
    ]);
    expect(log).toEqual(['write s1 1,3', 'write s2 2', 'ack 1', 'ack 2', 'ack 3']);
  });

  it('leaves a failed batch unacknowledged for redelivery (nak)', async () => {
    const { log, receive, flushed } = setup(true);
    receive(message(7, 's1', { type: 'status', status: 'idle', message: 'm' }, log));
    await flushed();
    expect(log).toEqual(['write s1 7', 'nak 7']);
  });
});
