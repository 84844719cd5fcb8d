import { Inject } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayDisconnect, WebSocketGateway } from '@nestjs/websockets';
import type { RawData, WebSocket } from 'ws';
import { ClientMessage, COMMANDS, InterruptCommand, InterruptReply, WS_CLOSE_CODES, WS_ERROR_CODES, WS_MAX_PAYLOAD_BYTES, TenantScopes } from '@avatar/contracts';
import { CommandBus } from '@avatar/messaging';
import { NOTIFIER_CONFIG, NotifierConfig } from '../notifier-config';
import { SessionClient } from '../relay/session-client';
import { SessionHub } from '../relay/session-hub';
import { INVALID_MESSAGE_EVENT, InvalidMessage, parseClientMessage } from './client-message-parser';
import { SESSION_SOCKET_PATH, SessionSocketRequest } from './session-socket.adapter';
import { AudioInput } from '../audio/audio-input';
import { ListeningRelay } from '../listening/listening-relay';

interface SessionSocket extends WebSocket {
  client?: SessionClient;
}


/**
 * `/ws/{session_id}`: relays the session's events to the client (SessionHub) and the
 * client's commands to the workers. The token and the admission were checked at the
 * upgrade (SessionSocketAdapter); a message larger than WS_MAX_PAYLOAD_BYTES closes
 * the socket with 1009 (`ws` itself), and each message passes the rate limit before
 * it is even parsed.
 */
@WebSocketGateway({ path: SESSION_SOCKET_PATH, maxPayload: WS_MAX_PAYLOAD_BYTES })
export class SessionGateway implements OnGatewayConnection, OnGatewayDisconnect {
  constructor(
    private readonly hub: SessionHub,
    private readonly commands: CommandBus,
    @Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig,
    private readonly audio: AudioInput,
    private readonly listening: ListeningRelay,
  ) {}

  /** The audio sample rate each socket declared (`sample_rate` query parameter). */
  private readonly sampleRates = new WeakMap<SessionClient, number>();

  handleConnection(socket: SessionSocket, request: SessionSocketRequest): void {
    const scope = { tenantId: TenantScopes.authenticated(request.session.tid), sessionId: request.session.sid };
    // The tenant's ws_messages_per_second travels in the token (claim `wsr`, signed by the gateway).
    const client = new SessionClient(socket, scope, request.session.exp * 1000, request.lastEventId, request.session.wsr, this.config);
    socket.client = client;
    this.sampleRates.set(client, request.sampleRate);
    socket.on('message', (data: RawData) => this.receive(client, data));
    void this.hub.attach(client, request.admission, request.lastEventId);
  }

  handleDisconnect(socket: SessionSocket): void {
    if (socket.client) this.hub.detach(socket.client);
  }

  private receive(client: SessionClient, data: RawData): void {
    switch (client.limiter.take(Date.now())) {
      case 'close':
        client.close(WS_CLOSE_CODES.POLICY_VIOLATION, 'rate limit exceeded');
        return;
      case 'warn':
        client.sendError(WS_ERROR_CODES.RATE_LIMITED, `more than ${client.messagesPerSecond} messages per second: messages dropped`);
        return;
      case 'reject':
        return;
      case 'accept':
        break;
    }
    const message = parseClientMessage(data);
    if (message.event === INVALID_MESSAGE_EVENT) {
      const invalid = message.data as InvalidMessage;
      client.sendError(invalid.code, invalid.message);
      return;
    }
    const body = message.data as ClientMessage;
    switch (body.type) {
      case 'interrupt':
        return this.interrupt(client);
      case 'audio_buffer_append':
        void this.audio.append(client, body.data.audio, body.data.sample_rate ?? this.sampleRates.get(client)!);
        return;
      case 'audio_buffer_commit':
        void this.audio.commit(client);
        return;
      case 'audio_buffer_clear':
        void this.audio.clear(client);
        return;
      case 'start_listening':
      case 'stop_listening':
        void this.listening.set(client, body.type === 'start_listening');
        return;
    }
  }

  /** At most one interrupt in flight per socket; those sent meanwhile become one more after it. */
  private interrupt(client: SessionClient): void {
    if (client.interruptInFlight) {
      client.interruptQueued = true;
      return;
    }
    client.interruptInFlight = true;
    this.commands
      .request<InterruptCommand, InterruptReply>(client.scope, COMMANDS.INTERRUPT, { reason: 'client' }, this.config.COMMAND_TIMEOUT_MS)
      .catch((err: unknown) => client.sendError(WS_ERROR_CODES.COMMAND_FAILED, `interrupt failed: ${(err as Error).message}`))
      .finally(() => {
        client.interruptInFlight = false;
        if (client.interruptQueued && client.isOpen) {
          client.interruptQueued = false;
          this.interrupt(client);
        }
      });
  }
}
