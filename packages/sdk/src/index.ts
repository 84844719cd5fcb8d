/**
 * @avatar/sdk — the Avatar Platform's client for browsers and Node.
 * This entry has no Node-only import: browsers use it as is (global fetch and WebSocket).
 */
export { AvatarClient } from './client';
export type { AvatarClientOptions, CreateSessionOptions } from './client';
export { AvatarSession } from './session';
export type { ChatOptions } from './session';
export { SessionConnection } from './connection';
export type { ConnectionEvents, ConnectionState, SessionConnectionOptions } from './connection';
export { ChatReply } from './chat-reply';
export type { ChatResult } from './chat-reply';
export { AvatarApiError, AvatarSdkError } from './errors';
export type { BackoffOptions } from './backoff';
export type { WebSocketConstructor, WebSocketLike } from './websocket';
export type { FetchLike } from './http';
export * from './contracts';
