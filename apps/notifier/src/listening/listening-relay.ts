import { Injectable } from '@nestjs/common';
import { COMMANDS, ListenCommand, StatusEvent, WS_ERROR_CODES } from '@avatar/contracts';
import { CommandBus, EventPublisher } from '@avatar/messaging';
import type { SessionClient } from '../relay/session-client';

/**
 * start_listening / stop_listening: every watcher of the session sees the `status`
 * (a lifecycle event: stored, replayed), and the worker holding a vendor connection
 * with a listening state (LiveAvatar) forwards it to the vendor (broadcast: only the
 * holder acts; a vendor without one has nothing to be told).
 */
@Injectable()
export class ListeningRelay {
  constructor(
    private readonly events: EventPublisher,
    private readonly commands: CommandBus,
  ) {}

  async set(client: SessionClient, listening: boolean): Promise<void> {
    const status: StatusEvent = listening
      ? { type: 'status', status: 'listening', message: 'Avatar is listening' }
      : { type: 'status', status: 'idle', message: 'Avatar stopped listening' };
    try {
      await this.events.publish(client.scope, status);
      this.commands.broadcast<ListenCommand>(client.scope, COMMANDS.LISTEN, { listening });
    } catch (err) {
      client.sendError(WS_ERROR_CODES.COMMAND_FAILED, `${listening ? 'start' : 'stop'}_listening failed: ${(err as Error).message}`);
    }
  }
}
