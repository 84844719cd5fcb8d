import type { NatsConnection } from '@nats-io/transport-node';
import { decodeJson } from '@avatar/messaging';
import { Metrics } from '@avatar/observability';
import type { SessionHub } from '../relay/session-hub';
import { SocketMetrics } from './socket-metrics';

function setup() {
  const metrics = new Metrics('notifier', { processMetrics: false });
  const hub = { socketCount: 0 };
  let callback: ((err: Error | null, msg: { reply?: string; respond: jest.Mock }) => void) | undefined;
  const subscription = { unsubscribe: jest.fn() };
  const nc = { subscribe: jest.fn((_subject: string, opts: { callback: typeof callback }) => ((callback = opts.callback), subscription)) };
  const socketMetrics = new SocketMetrics(metrics, hub as unknown as SessionHub, nc as unknown as NatsConnection);
  socketMetrics.onModuleInit();
  const ask = () => {
    const msg = { reply: '_INBOX.gateway.1', respond: jest.fn() };
    callback!(null, msg);
    return decodeJson<{ sockets: number }>(msg.respond.mock.calls[0][0]);
  };
  return { metrics, hub, nc, subscription, socketMetrics, ask };
}

describe('SocketMetrics', () => {
  it('gauges the sockets open on this notifier at scrape time', async () => {
    const t = setup();
    t.hub.socketCount = 3;
    expect(await t.metrics.text()).toContain('avatar_websocket_connections{app="notifier"} 3');
    t.hub.socketCount = 0;
    expect(await t.metrics.text()).toContain('avatar_websocket_connections{app="notifier"} 0');
  });

  it("answers the gateway's question on ops.notifier.sockets with its own count, until shutdown", () => {
    const t = setup();
    expect(t.nc.subscribe).toHaveBeenCalledWith('ops.notifier.sockets', expect.any(Object));
    t.hub.socketCount = 2;
    expect(t.ask()).toEqual({ sockets: 2 });
    t.socketMetrics.onApplicationShutdown();
    expect(t.subscription.unsubscribe).toHaveBeenCalled();
  });
});
