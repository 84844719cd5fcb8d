import { DynamicModule, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats, ensureEventsStream, NatsOptions } from './nats-connection';
import { EventPublisher } from './event-publisher';
import { CommandBus } from './command-bus';

export const NATS_CONNECTION = Symbol('NATS_CONNECTION');

@Injectable()
class NatsShutdown implements OnApplicationShutdown {
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  async onApplicationShutdown(): Promise<void> {
    // Drain: let in-flight messages and replies go out before the socket closes.
    if (!this.nc.isClosed()) await this.nc.drain().catch(() => this.nc.close());
  }
}

/** NATS for an app: one connection, the events stream ensured, a publisher and a command bus. */
@Module({})
export class MessagingModule {
  static forRoot(options: () => NatsOptions): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      providers: [
        {
          provide: NATS_CONNECTION,
          useFactory: async () => {
            const resolved = options();
            const nc = await connectNats(resolved);
            await ensureEventsStream(nc, resolved.eventsMaxAgeSeconds);
            return nc;
          },
        },
        { provide: EventPublisher, useFactory: (nc: NatsConnection) => new EventPublisher(nc), inject: [NATS_CONNECTION] },
        { provide: CommandBus, useFactory: (nc: NatsConnection) => new CommandBus(nc), inject: [NATS_CONNECTION] },
        NatsShutdown,
      ],
      exports: [NATS_CONNECTION, EventPublisher, CommandBus],
    };
  }
}
