import type { NatsConnection } from '@nats-io/transport-node';
import { subjects, TenantScopes } from '@avatar/contracts';
import { decodeJson } from './json-codec';
import { EventPublisher } from './event-publisher';

const SCOPE = { tenantId: TenantScopes.ofRecord('tenant-1'), sessionId: 'session-1' };
const frame = (n: number) => ({ type: 'frame' as const, task_id: 't', frame_id: n, timestamp: 0, viseme: 'X', data: '', mime_type: 'image/svg+xml' });

function setup() {
  const sent: Array<{ subject: string; frameId: number; at: string }> = [];
  let phase = 'sync';
  const nc = { options: {}, publish: jest.fn((subject: string, data: Uint8Array) => void sent.push({ subject, frameId: decodeJson<{ event: { frame_id: number } }>(data).event.frame_id, at: phase })) };
  const publisher = new EventPublisher(nc as unknown as NatsConnection);
  return { publisher, nc, sent, setPhase: (p: string) => (phase = p) };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('EventPublisher.publishMedia', () => {
  it('sends the media of one event-loop turn together at its end, in the order emitted', async () => {
    const t = setup();
    // Two speakers' frame timers firing in the same turn.
    await new Promise<void>((resolve) => {
      setTimeout(() => t.publisher.publishMedia(SCOPE, frame(1)), 0);
      setTimeout(() => {
        t.publisher.publishMedia(SCOPE, frame(2));
        Promise.resolve().then(() => t.publisher.publishMedia(SCOPE, frame(3)));
      }, 0);
      setTimeout(resolve, 0);
    });
    expect(t.nc.publish).not.toHaveBeenCalled();

    t.setPhase('immediate');
    await nextTurn();

    expect(t.sent).toEqual([1, 2, 3].map((frameId) => ({ subject: subjects.live('tenant-1', 'session-1', 'frame'), frameId, at: 'immediate' })));
  });

  it('starts a new batch for media emitted after the last one was sent', async () => {
    const t = setup();
    t.publisher.publishMedia(SCOPE, frame(1));
    await nextTurn();
    t.publisher.publishMedia(SCOPE, frame(2));
    await nextTurn();

    expect(t.sent.map((s) => s.frameId)).toEqual([1, 2]);
  });

  it('refuses a lifecycle event', () => {
    const t = setup();
    expect(() => t.publisher.publishMedia(SCOPE, { type: 'status', status: 'idle', message: '' } as never)).toThrow(/frame or audio/);
  });
});
