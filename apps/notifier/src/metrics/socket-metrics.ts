import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { NOTIFIER_SOCKETS_SUBJECT, NotifierSocketsReply } from '@avatar/contracts';
import { encodeJson, NATS_CONNECTION } from '@avatar/messaging';
import { Metrics } from '@avatar/observability';
import { SessionHub } from '../relay/session-hub';

/**
 * This notifier's WebSocket connections: the `avatar_websocket_connections` gauge
 * (read at scrape time), and the answer to the gateway's question on NATS
 * (`ops.notifier.sockets`), so the gateway's JSON metrics sum real counts.
 */
@Injectable()
export class SocketMetrics implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SocketMetrics.name);
  private subscription?: Subscription;

  constructor(
    private readonly metrics: Metrics,
    private readonly hub: SessionHub,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
  ) {}

  onModuleInit(): void {
    this.metrics.observe('websocketConnections', (gauge) => gauge.set(this.hub.socketCount));
    this.subscription = this.nc.subscribe(NOTIFIER_SOCKETS_SUBJECT, {
      callback: (err, msg) => {
        if (err) return this.logger.warn(`${NOTIFIER_SOCKETS_SUBJECT}: ${err.message}`);
        const reply: NotifierSocketsReply = { sockets: this.hub.socketCount };
        if (msg.reply) msg.respond(encodeJson(reply));
      },
    });
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }
}
