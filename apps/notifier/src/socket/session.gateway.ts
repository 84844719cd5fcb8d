import { Inject, Logger } from '@nestjs/common';
import { ConnectedSocket, MessageBody, OnGatewayConnection, OnGatewayDisconnect, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import type { ConsumerMessages } from '@nats-io/jetstream';
import type { WebSocket } from 'ws';
import { COMMANDS, ErrorEvent, InterruptCommand, InterruptReply, WS_ERROR_CODES } from '@avatar/contracts';
import { CommandBus } from '@avatar/messaging';
import { NOTIFIER_CONFIG, NotifierConfig } from '../notifier-config';
import { EventRelay } from './event-relay';
import { INVALID_MESSAGE_EVENT, InvalidMessage } from './client-message-parser';
import { SESSION_SOCKET_PATH, SessionSocketRequest } from './session-socket.adapter';

interface SessionSocket extends WebSocket {
  scope: { tenantId: string; sessionId: string };
  relay?: Promise<ConsumerMessages>;
}

/** Client message types this gateway handles; the parser answers the others itself. */
export const HANDLED_MESSAGE_TYPES = ['interrupt'] as const;

/**
 * `/ws/{session_id}`: relays the session's events to the client and the client's
 * commands to the workers. The token was checked at the upgrade (SessionSocketAdapter).
 */
@WebSocketGateway({ path: SESSION_SOCKET_PATH })
export class SessionGateway implements OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(SessionGateway.name);

  constructor(
    private readonly relay: EventRelay,
    private readonly commands: CommandBus,
    @Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig,
  ) {}

  handleConnection(socket: SessionSocket, request: SessionSocketRequest): void {
    socket.scope = { tenantId: request.session.tid, sessionId: request.session.sid };
    socket.relay = this.relay.attach(socket, socket.scope, request.lastEventId);
    socket.relay.catch((err) => {
      this.logger.error(`cannot relay session ${socket.scope.sessionId}: ${(err as Error).message}`);
      socket.close(1011, 'event stream unavailable');
    });
  }

  handleDisconnect(socket: SessionSocket): void {
    void socket.relay?.then((messages) => messages.close()).catch(() => undefined);
  }

  @SubscribeMessage('interrupt')
  async interrupt(@ConnectedSocket() socket: SessionSocket): Promise<ErrorEvent | undefined> {
    try {
      await this.commands.request<InterruptCommand, InterruptReply>(socket.scope, COMMANDS.INTERRUPT, { reason: 'client' }, this.config.COMMAND_TIMEOUT_MS);
      return undefined;
    } catch (err) {
      return { type: 'error', code: WS_ERROR_CODES.COMMAND_FAILED, message: `interrupt failed: ${(err as Error).message}` };
    }
  }

  @SubscribeMessage(INVALID_MESSAGE_EVENT)
  invalid(@MessageBody() body: InvalidMessage): ErrorEvent {
    return { type: 'error', code: body.code, message: body.message };
  }
}
