import type { NatsConnection } from '@nats-io/transport-node';

type Callback = (err: Error | null, msg: { subject: string; data: Uint8Array }) => void;

/**
 * A NatsConnection for unit specs of classes that subscribe and watch the connection:
 * `deliver` hands a message to the subscription of that subject pattern, `connection`
 * pushes a status event (`disconnect`, `reconnect`) into `nc.status()` and lets it run.
 */
export function fakeNatsConnection() {
  const callbacks = new Map<string, Callback>();
  const statuses: Array<{ type: string }> = [];
  let wake: (() => void) | undefined;
  const status = async function* () {
    for (;;) {
      while (statuses.length > 0) yield statuses.shift()!;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };
  const subscribe = jest.fn((subject: string, opts: { callback: Callback }) => {
    callbacks.set(subject, opts.callback);
    return { unsubscribe: jest.fn() };
  });
  return {
    nc: { status, subscribe } as unknown as NatsConnection,
    subscribe,
    /** Delivers a message to the subscription made on `pattern`, as arriving on `subject`. */
    deliver(pattern: string, subject: string, data: Uint8Array = new Uint8Array()): void {
      const callback = callbacks.get(pattern);
      if (!callback) throw new Error(`nothing subscribed to ${pattern}`);
      callback(null, { subject, data });
    },
    async connection(type: string): Promise<void> {
      statuses.push({ type });
      wake?.();
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}
