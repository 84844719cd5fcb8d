/**
 * @avatar/sdk for Node: the same API, with the `ws` package as the default WebSocket
 * (Node 20 has no global one). Browsers get ./index (package.json "browser" condition).
 */
import WebSocket from 'ws';
import { AvatarClient as BaseClient, AvatarClientOptions } from './client';
import { SessionConnection as BaseConnection, SessionConnectionOptions } from './connection';
import type { WebSocketConstructor } from './websocket';

const NodeWebSocket = WebSocket as unknown as WebSocketConstructor;

export class AvatarClient extends BaseClient {
  constructor(options: AvatarClientOptions) {
    super({ WebSocket: NodeWebSocket, ...options });
  }
}

export class SessionConnection extends BaseConnection {
  constructor(options: SessionConnectionOptions) {
    super({ WebSocket: NodeWebSocket, ...options });
  }
}

export { AvatarSession } from './session';
export type { ChatOptions } from './session';
export type { ConnectionEvents, ConnectionState, SessionConnectionOptions } from './connection';
export type { AvatarClientOptions, CreateSessionOptions } from './client';
export { ChatReply } from './chat-reply';
export type { ChatResult } from './chat-reply';
export { AvatarApiError, AvatarSdkError } from './errors';
export type { BackoffOptions } from './backoff';
export type { WebSocketConstructor, WebSocketLike } from './websocket';
export type { FetchLike } from './http';
export * from './contracts';
