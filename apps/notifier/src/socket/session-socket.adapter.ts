import type { INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { AUDIO_DEFAULT_SAMPLE_RATE, AudioSampleRate, ErrorEnvelope, WS_LAST_EVENT_ID_PARAM, WS_SAMPLE_RATE_PARAM, WS_TOKEN_PARAM } from '@avatar/contracts';
import { bearerToken, SessionTokenClaims, verifySessionToken } from '@avatar/tenancy';
import type { Admission } from '../relay/session-hub';

/** Path of session sockets: `/ws/{session_id}`. */
export const SESSION_SOCKET_PATH = '/ws';
const SESSION_PATH = /^\/ws\/([0-9a-fA-F-]{36})\/?$/;

/** What the upgrade established, attached to the request the gateway class receives. */
export interface SessionSocketRequest extends IncomingMessage {
  session: SessionTokenClaims;
  lastEventId?: number;
  /** Rate of the raw PCM this socket's audio_buffer_append messages carry (unless a message says otherwise). */
  sampleRate: number;
  /** The slot the upgrade holds against the per-session socket cap. */
  admission: { release(): void };
}

/** Decides, before the upgrade, whether a verified session may open one more socket. */
export interface SocketAdmission {
  admit(scope: { tenantId: string; sessionId: string }): Promise<Admission>;
}

/**
 * Nest's `ws` adapter, taught the platform's socket contract: a session id in the
 * path, the session token checked before the upgrade (a wrong, expired or foreign
 * token gets HTTP 401 and no socket), then the admission (stopped session 410,
 * socket cap 429, draining 503). Client messages are not routed by Nest: the
 * gateway reads them itself, behind the rate limit.
 */
export class SessionSocketAdapter extends WsAdapter {
  private readonly upgradeListeners: Array<[Server, (...args: any[]) => void]> = [];

  constructor(
    app: INestApplicationContext,
    private readonly tokenSecret: string,
    private readonly admission: SocketAdmission,
  ) {
    super(app);
  }

  protected override ensureHttpServerExists(port: number, httpServer?: Server): Server | undefined {
    if (this.httpServersRegistry.has(port) || !httpServer) return undefined;
    this.httpServersRegistry.set(port, httpServer);
    const listener = (request: IncomingMessage, socket: Duplex, head: Buffer) => void this.upgrade(port, request, socket, head);
    httpServer.on('upgrade', listener);
    this.upgradeListeners.push([httpServer, listener as (...args: any[]) => void]);
    return httpServer;
  }

  /** Messages are read by SessionGateway (rate limit first, then parse): nothing for Nest to bind. */
  override bindMessageHandlers(): void {}

  private async upgrade(port: number, request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(request.url ?? '/', 'ws://localhost');
    const match = SESSION_PATH.exec(url.pathname);
    const wsServer = (this.wsServersRegistry.get(port) ?? []).find((server) => server.path === SESSION_SOCKET_PATH);
    if (!match || !wsServer) return refuse(socket, 404, 'NOT_FOUND', 'no such socket path: use /ws/{session_id}');
    const token = url.searchParams.get(WS_TOKEN_PARAM) ?? bearerToken(request.headers.authorization);
    if (!token) return refuse(socket, 401, 'UNAUTHORIZED', 'a session token is required');
    const check = verifySessionToken(token, this.tokenSecret, match[1].toLowerCase());
    if (!check.ok) return refuse(socket, 401, 'UNAUTHORIZED', 'invalid or expired session token');
    const rateParam = url.searchParams.get(WS_SAMPLE_RATE_PARAM);
    const sampleRate = rateParam === null ? { success: true as const, data: AUDIO_DEFAULT_SAMPLE_RATE } : AudioSampleRate.safeParse(rateParam);
    if (!sampleRate.success) return refuse(socket, 400, 'VALIDATION_ERROR', `${WS_SAMPLE_RATE_PARAM} must be an integer from 8000 to 48000`);
    // The client may go away while we look the session up: no unhandled socket error.
    const ignore = () => socket.destroy();
    socket.on('error', ignore);
    const admission = await this.admission.admit({ tenantId: check.claims.tid, sessionId: check.claims.sid });
    if (!admission.ok) return refuse(socket, admission.status, admission.code, admission.reason);
    if (socket.destroyed) return admission.release();
    // The slot is held until the socket connects; an upgrade that never completes gives it back.
    socket.once('close', () => admission.release());
    const lastEventId = Number(url.searchParams.get(WS_LAST_EVENT_ID_PARAM) ?? request.headers['last-event-id'] ?? NaN);
    Object.assign(request, {
      session: check.claims,
      lastEventId: Number.isSafeInteger(lastEventId) && lastEventId >= 0 ? lastEventId : undefined,
      sampleRate: sampleRate.data,
      admission,
    });
    socket.off('error', ignore);
    wsServer.handleUpgrade(request, socket, head, (ws: unknown) => wsServer.emit('connection', ws, request));
  }

  override async dispose(): Promise<void> {
    for (const [server, listener] of this.upgradeListeners) server.off('upgrade', listener);
    this.upgradeListeners.length = 0;
    await super.dispose();
  }
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 410: 'Gone', 429: 'Too Many Requests', 503: 'Service Unavailable' };

function refuse(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message, details: {} } } as ErrorEnvelope | { error: { code: string; message: string; details: object } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
