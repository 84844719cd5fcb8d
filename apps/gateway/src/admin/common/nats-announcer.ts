import { Inject, Injectable, Logger } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { NATS_CONNECTION, withTimeout } from '@avatar/messaging';
import type { Announcement, Announcer } from '@avatar/tenancy';
import { GATEWAY_CONFIG, GatewayConfig } from '../../gateway-config';

/**
 * Publishes an admin change to every gateway (core NATS) and waits for the server to
 * have it (flush) before the admin request answers. This gateway's own subscription
 * gets the message before the flush's reply on the same connection, so here the change
 * holds from the answer on; other gateways follow within a network hop. If NATS does
 * not confirm in COMMAND_TIMEOUT_MS the change still stands in the database: caches
 * catch up on reconnect (they forget every key) or after their TTL.
 */
@Injectable()
export class NatsAnnouncer implements Announcer {
  private readonly logger = new Logger(NatsAnnouncer.name);

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'COMMAND_TIMEOUT_MS'>,
  ) {}

  async announce(messages: Announcement[]): Promise<void> {
    try {
      for (const message of messages) this.nc.publish(message.subject, message.data);
      const ms = this.config.COMMAND_TIMEOUT_MS;
      await withTimeout(this.nc.flush(), ms, `not confirmed within ${ms} ms`);
    } catch (err) {
      this.logger.warn(`announcing ${messages.map((m) => m.subject).join(', ')} failed: ${(err as Error).message}; caches catch up on reconnect or after their TTL`);
    }
  }
}
