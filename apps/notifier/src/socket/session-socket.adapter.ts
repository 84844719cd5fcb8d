import type { INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WS_LAST_EVENT_ID_PARAM, WS_TOKEN_PARAM } from '@avatar/contracts';
import { bearerToken, SessionTokenClaims, verifySessionToken } from '@avatar/tenancy';
import { createClientMessageParser } from './client-message-parser';

/** Path of session sockets: `/ws/{session_id}`. */
export const SESSION_SOCKET_PATH = '/ws';
const SESSION_PATH = /^\/ws\/([0-9a-fA-F-]{36})\/?$/;

/** What the upgrade established, attached to the request the gateway class receives. */
export interface SessionSocketRequest extends IncomingMessage {
  session: SessionTokenClaims;
  lastEventId?: number;
}

/**
 * Nest's `ws` adapter, taught the platform's socket contract: a session id in the
 * path, the session token checked before the upgrade (a wrong, expired or foreign
 * token gets HTTP 401 and no socket), and `{"type": ...}` messages.
 */
export class SessionSocketAdapter extends WsAdapter {
  private readonly upgradeListeners: Array<[Server, (...args: any[]) => void]> = [];

  constructor(
    app: INestApplicationContext,
    private readonly tokenSecret: string,
    handledMessageTypes: readonly string[],
  ) {
    super(app, { messageParser: createClientMessageParser(handledMessageTypes) });
  }

  protected override ensureHttpServerExists(port: number, httpServer?: Server): Server | undefined {
    if (this.httpServersRegistry.has(port) || !httpServer) return undefined;
    this.httpServersRegistry.set(port, httpServer);
    const listener = (request: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(port, request, socket, head);
    httpServer.on('upgrade', listener);
    this.upgradeListeners.push([httpServer, listener as (...args: any[]) => void]);
    return httpServer;
  }

  private upgrade(port: number, request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'ws://localhost');
    const match = SESSION_PATH.exec(url.pathname);
    const wsServer = (this.wsServersRegistry.get(port) ?? []).find((server) => server.path === SESSION_SOCKET_PATH);
    if (!match || !wsServer) return refuse(socket, 404, 'Not Found');
    const token = url.searchParams.get(WS_TOKEN_PARAM) ?? bearerToken(request.headers.authorization);
    if (!token) return refuse(socket, 401, 'Unauthorized');
    const check = verifySessionToken(token, this.tokenSecret, match[1].toLowerCase());
    if (!check.ok) return refuse(socket, 401, 'Unauthorized');
    const lastEventId = Number(url.searchParams.get(WS_LAST_EVENT_ID_PARAM) ?? request.headers['last-event-id'] ?? NaN);
    Object.assign(request, { session: check.claims, lastEventId: Number.isSafeInteger(lastEventId) && lastEventId >= 0 ? lastEventId : undefined });
    wsServer.handleUpgrade(request, socket, head, (ws: unknown) => wsServer.emit('connection', ws, request));
  }

  override async dispose(): Promise<void> {
    for (const [server, listener] of this.upgradeListeners) server.off('upgrade', listener);
    this.upgradeListeners.length = 0;
    await super.dispose();
  }
}

function refuse(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
