import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';

type Callback = (err: Error | null, msg: Msg) => void;

interface FakeSubscription {
  subject: string;
  queue?: string;
  callback?: Callback;
  /** Messages waiting for an iterating reader (subscriptions without a callback). */
  buffer: Msg[];
  wake?: () => void;
  closed: boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** NATS subject matching: `*` is one token, `>` the rest. */
function matches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}

/**
 * An in-memory core NATS for unit specs of code that talks over it (a CommandBus, an
 * inbox stream): `subscribe` with a callback or as an async iterator (ended by
 * `unsubscribe`), queue groups, `publish`, and `request` with no-responders (rejects
 * like nats.js: "503") and timeouts. Delivery is asynchronous and in order, as on a
 * real connection. Several "processes" of a test share one bus. `published` records
 * every message; `bodies(subject)` decodes what went to a subject.
 */
export function fakeNatsBus() {
  const subscriptions: FakeSubscription[] = [];
  const published: Array<{ subject: string; data: Uint8Array; reply?: string }> = [];
  let inboxes = 0;

  const makeMsg = (subject: string, data: Uint8Array, reply: string | undefined, headers?: unknown): Msg =>
    ({
      subject,
      data,
      reply,
      headers,
      sid: 0,
      respond: (payload?: Uint8Array | string) => {
        if (!reply) return false;
        publish(reply, payload);
        return true;
      },
      json: () => JSON.parse(decoder.decode(data)),
      string: () => decoder.decode(data),
    }) as unknown as Msg;

  const deliver = (sub: FakeSubscription, msg: Msg) => {
    // A promise job, not queueMicrotask: jest's fake timers leave promises alone.
    void Promise.resolve().then(() => {
      if (sub.closed) return;
      if (sub.callback) sub.callback(null, msg);
      else {
        sub.buffer.push(msg);
        sub.wake?.();
      }
    });
  };

  /** The subscriptions a message to `subject` reaches: every plain one, one per queue group. */
  const receivers = (subject: string): FakeSubscription[] => {
    const out: FakeSubscription[] = [];
    const groups = new Set<string>();
    for (const sub of subscriptions) {
      if (sub.closed || !matches(sub.subject, subject)) continue;
      if (sub.queue) {
        if (groups.has(sub.queue)) continue;
        groups.add(sub.queue);
      }
      out.push(sub);
    }
    return out;
  };

  function publish(subject: string, payload?: Uint8Array | string, opts?: { reply?: string; headers?: unknown }): void {
    const data = typeof payload === 'string' ? encoder.encode(payload) : (payload ?? new Uint8Array());
    published.push({ subject, data, reply: opts?.reply });
    for (const sub of receivers(subject)) deliver(sub, makeMsg(subject, data, opts?.reply, opts?.headers));
  }

  function subscribe(subject: string, opts: { callback?: Callback; queue?: string } = {}): Subscription {
    const sub: FakeSubscription = { subject, queue: opts.queue, callback: opts.callback, buffer: [], closed: false };
    subscriptions.push(sub);
    const handle = {
      getSubject: () => subject,
      isClosed: () => sub.closed,
      unsubscribe: jest.fn(() => {
        sub.closed = true;
        sub.wake?.();
      }),
      async *[Symbol.asyncIterator]() {
        for (;;) {
          while (sub.buffer.length > 0) yield sub.buffer.shift()!;
          if (sub.closed) return;
          await new Promise<void>((resolve) => (sub.wake = resolve));
          sub.wake = undefined;
        }
      },
    };
    return handle as unknown as Subscription;
  }

  async function request(subject: string, payload?: Uint8Array, opts: { timeout?: number; headers?: unknown } = {}): Promise<Msg> {
    if (receivers(subject).length === 0) throw new Error(`503 no responders: '${subject}'`);
    const inbox = `_INBOX.fake${++inboxes}`;
    const replies = subscribe(inbox);
    const timeout = opts.timeout ?? 1000;
    let timer: NodeJS.Timeout | undefined;
    try {
      publish(subject, payload, { reply: inbox, headers: opts.headers });
      const iterator = (replies as unknown as AsyncIterable<Msg>)[Symbol.asyncIterator]();
      const reply = await Promise.race([
        iterator.next().then((r) => r.value as Msg),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('TIMEOUT')), timeout))),
      ]);
      return reply;
    } finally {
      clearTimeout(timer);
      replies.unsubscribe();
    }
  }

  const nc = { publish: jest.fn(publish), subscribe: jest.fn(subscribe), request: jest.fn(request) };
  return {
    nc: nc as unknown as NatsConnection,
    mocks: nc,
    published,
    /** JSON bodies published to `subject`, in order. */
    bodies<T = unknown>(subject: string): T[] {
      return published.filter((m) => m.subject === subject).map((m) => JSON.parse(decoder.decode(m.data)) as T);
    },
    /** Open subscriptions on exactly this subject. */
    subscribers(subject: string): number {
      return subscriptions.filter((s) => !s.closed && s.subject === subject).length;
    },
    /** Lets every queued delivery (and what it triggers) run. */
    async settle(rounds = 5): Promise<void> {
      for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
    },
  };
}
