import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { headers } from '@nats-io/transport-node';
import { encodeJson } from '@avatar/messaging';
import { TenantScopes } from '@avatar/contracts';
import type { NotifierConfig } from '../notifier-config';
import { SessionHub } from './session-hub';
import type { RelayedEvent } from './socket-feed';

// The live feed (`live.<t>.<s>.>`) as the notifier relays it: only events that pass the
// contracts' schema reach a socket; anything else is dropped and logged without content.
const T = 't1';
const S = 's1';

function setup() {
  const hub = new SessionHub({ options: {} } as unknown as NatsConnection, {} as NotifierConfig);
  const warnings: string[] = [];
  (hub as unknown as { logger: { warn(line: string): void } }).logger = { warn: (line: string) => warnings.push(line) } as never;
  const delivered: RelayedEvent[] = [];
  const channel = { scope: { tenantId: TenantScopes.ofRecord(T), sessionId: S }, clients: new Set([{ feed: { live: (e: RelayedEvent) => delivered.push(e) } }]), reserved: 0 };
  const relay = (subject: string, body: unknown, seq?: number) => {
    const h = headers();
    if (seq !== undefined) h.set('Nats-Sequence', String(seq));
    const data = typeof body === 'string' ? new TextEncoder().encode(body) : encodeJson(body);
    (hub as unknown as { relay(c: unknown, m: Msg): void }).relay(channel, { subject, data, headers: h } as unknown as Msg);
  };
  return { relay, delivered, warnings };
}

const envelope = (event: Record<string, unknown>) => ({ tenant_id: T, session_id: S, emitted_at: '2026-11-21T10:00:00.000Z', event });

describe('SessionHub: live events are validated before they reach a socket', () => {
  it('relays a valid lifecycle event with its stream sequence, and a valid frame', () => {
    const t = setup();
    t.relay(`live.${T}.${S}.status`, envelope({ type: 'status', status: 'speaking', message: 'Avatar is speaking' }), 12);
    t.relay(`live.${T}.${S}.frame`, envelope({ type: 'frame', task_id: 'k', frame_id: 3, timestamp: 1, viseme: 'A', data: 'AA==', mime_type: 'image/png' }));

    expect(t.delivered.map((e) => [e.seq, e.type])).toEqual([
      [12, 'status'],
      [undefined, 'frame'],
    ]);
    expect(JSON.parse(`{${t.delivered[0].body}`)).toEqual({ session_id: S, type: 'status', status: 'speaking', message: 'Avatar is speaking' });
    expect(t.warnings).toEqual([]);
  });

  it('drops a malformed event (and garbage) and logs that it did, without the content', () => {
    const t = setup();
    t.relay(`live.${T}.${S}.chat`, envelope({ type: 'chat', role: 'system', content: 'secret words' }), 13);
    t.relay(`live.${T}.${S}.status`, 'secret words that are not JSON');
    t.relay(`live.${T}.${S}.status`, { ...envelope({ type: 'status', status: 'idle', message: 'm' }), session_id: 'other' });

    expect(t.delivered).toEqual([]);
    expect(t.warnings).toHaveLength(1); // one line a minute for the kind, whatever the rate
    expect(t.warnings[0]).toMatch(/^refused live event: event on live\.t1\.s1\.chat is invalid: event\.role/);
    expect(t.warnings.join()).not.toContain('secret');
  });
});
