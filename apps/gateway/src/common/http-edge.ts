import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Logger } from '@nestjs/common';
import type { FastifyHttpOptions, FastifyInstance } from 'fastify';
import { PlatformError, TRACEPARENT_HEADER } from '@avatar/contracts';
import type { GatewayConfig } from '../gateway-config';
import { registerTraceHook, traceparentFor } from './trace.hook';

/** Request bodies above this are refused (413): a speak text is at most 5000 chars. */
export const BODY_LIMIT_BYTES = 256 * 1024;

type EdgeConfig = Pick<GatewayConfig, 'HTTP_HEADERS_TIMEOUT_MS' | 'HTTP_REQUEST_TIMEOUT_MS' | 'HTTP_KEEPALIVE_TIMEOUT_MS' | 'HTTP_DRAIN_TIMEOUT_MS'>;

interface InFlight {
  request: IncomingMessage;
  startedAt: number;
}

/**
 * The gateway's HTTP edge, below Nest: what a connection may cost and how it ends.
 *
 * - Bodies: JSON only (415 otherwise), at most BODY_LIMIT_BYTES (413). A refused body
 *   is still read off the wire (bounded by the request timeout), so the client gets
 *   the envelope instead of a reset connection.
 * - Stalled clients: headers, whole request and idle keep-alive connections each have
 *   a timeout; a request that is not received in time gets 408 with the envelope.
 * - Drain (SIGTERM): no new connections, new requests on open ones get 503, in-flight
 *   requests finish, idle connections close at once; Node stops enforcing its request
 *   timeouts once the server closes, so the drain enforces them itself (a stalled body
 *   cannot keep the process alive), and HTTP_DRAIN_TIMEOUT_MS bounds the whole drain.
 */
export class HttpEdge {
  private readonly logger = new Logger('HttpEdge');
  private readonly sockets = new Set<Socket>();
  private readonly inFlight = new Map<Socket, InFlight>();
  /** Sockets whose request was answered before its body was read (413, 415): the rest of the body is discarded. */
  private readonly answeredEarly = new WeakSet<Socket>();
  private draining: Promise<void> | undefined;

  constructor(private readonly config: EdgeConfig) {}

  /** Options for `new FastifyAdapter(...)`. */
  serverOptions(): FastifyHttpOptions<Server> {
    const { HTTP_HEADERS_TIMEOUT_MS: headersTimeout, HTTP_REQUEST_TIMEOUT_MS: requestTimeout } = this.config;
    return {
      bodyLimit: BODY_LIMIT_BYTES,
      requestTimeout,
      keepAliveTimeout: this.config.HTTP_KEEPALIVE_TIMEOUT_MS,
      // Node checks the header and request timeouts on this interval (30 s by default).
      http: { headersTimeout, requestTimeout, connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeout / 4))) },
      forceCloseConnections: 'idle',
      // The 503 of a draining gateway is answered by `attach` below, with the envelope.
      return503OnClosing: false,
      clientErrorHandler: (err, socket) => this.onClientError(err as NodeJS.ErrnoException, socket),
    };
  }

  /** Installs the hooks on the Fastify instance the adapter created (before Nest adds its own routes). */
  attach(fastify: FastifyInstance): void {
    fastify.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => {
        this.sockets.delete(socket);
        this.inFlight.delete(socket);
      });
    });
    registerTraceHook(fastify);
    fastify.addHook('onRequest', (request, reply, done) => {
      this.inFlight.set(request.raw.socket, { request: request.raw, startedAt: Date.now() });
      if (this.draining) {
        void reply.header('connection', 'close');
        done(new PlatformError('SERVICE_UNAVAILABLE', 'the gateway is shutting down: retry on another instance'));
        return;
      }
      done();
    });
    fastify.addHook('onSend', (request, reply, payload, done) => {
      // While draining, every answer closes its connection (an idle keep-alive one would wait for its timeout).
      if (this.draining) void reply.header('connection', 'close');
      if (!request.raw.complete) {
        // Answered before the body was read (413, 415…): keep reading and discarding
        // it rather than closing on an unread body, which resets the connection and
        // can lose this answer on its way to the client.
        this.answeredEarly.add(request.raw.socket);
        if (!this.draining) void reply.removeHeader('connection');
      }
      done(null, payload);
    });
    fastify.addHook('onResponse', (request, _reply, done) => {
      if (this.inFlight.get(request.raw.socket)?.request === request.raw) this.inFlight.delete(request.raw.socket);
      done();
    });
    // JSON is the only body the API reads: the built-in text/plain parser goes, and Nest
    // registers none (bodyParser: false), so anything else is 415.
    fastify.removeContentTypeParser('text/plain');
    // An empty body sent as JSON is no body (clients that always set the header, e.g. a
    // POST /api/v1/sessions with nothing to say); anything else goes to Fastify's own
    // parser (prototype-poisoning checks included).
    const json = fastify.getDefaultJsonParser('error', 'error');
    fastify.removeContentTypeParser('application/json');
    fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) =>
      (body as string).trim() === '' ? done(null, undefined) : json(request, body as string, done),
    );
  }

  /**
   * Stops accepting, lets in-flight requests finish and closes every connection;
   * resolves once the server is closed. Calling it again returns the same drain.
   */
  drain(fastify: FastifyInstance): Promise<void> {
    this.draining ??= this.runDrain(fastify);
    return this.draining;
  }

  private async runDrain(fastify: FastifyInstance): Promise<void> {
    const started = Date.now();
    const counts = `${this.sockets.size} connection(s), ${this.inFlight.size} request(s) in flight`;
    const check = setInterval(() => this.cutStalled(started), 100);
    check.unref();
    try {
      const closed = fastify.close();
      // Fastify runs its pre-close hooks before it closes the listener: the line says
      // "draining" only once no new connection can be accepted (under load the gap
      // was long enough for a client to connect after the line).
      while (fastify.server.listening && Date.now() - started < this.config.HTTP_DRAIN_TIMEOUT_MS) await new Promise((resolve) => setImmediate(resolve));
      this.logger.log(`stopped accepting; draining ${counts}`);
      await closed;
    } finally {
      clearInterval(check);
    }
    this.logger.log(`HTTP drained in ${Date.now() - started} ms`);
  }

  /** During the drain: what Node's own timeout checks would do, and the drain's deadline. */
  private cutStalled(drainStarted: number): void {
    const now = Date.now();
    const overdue = now - drainStarted > this.config.HTTP_DRAIN_TIMEOUT_MS;
    for (const socket of this.sockets) {
      const entry = this.inFlight.get(socket);
      if (entry?.request.complete && !overdue) continue; // its handler is running: let it answer
      if (entry && !entry.request.complete && now - entry.startedAt > this.config.HTTP_REQUEST_TIMEOUT_MS) {
        this.refuse(socket, new PlatformError('REQUEST_TIMEOUT', 'the request was not received in time'), entry.request);
      } else if (!entry && now - drainStarted > this.config.HTTP_HEADERS_TIMEOUT_MS) {
        socket.destroy(); // idle, or its headers never came
      } else if (overdue) {
        if (entry) this.logger.warn(`closing a connection whose request did not finish within HTTP_DRAIN_TIMEOUT_MS: ${entry.request.method} ${entry.request.url}`);
        socket.destroy();
      }
    }
  }

  /** Node's client errors (timeouts, malformed requests) answered with the envelope. */
  private onClientError(err: NodeJS.ErrnoException, socket: Socket): void {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    if (this.answeredEarly.has(socket)) {
      socket.destroy(); // its answer is out; what is left is the refused body
      return;
    }
    const error =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new PlatformError('REQUEST_TIMEOUT', 'the request was not received in time')
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? new PlatformError('VALIDATION_ERROR', 'request headers are too large')
          : new PlatformError('VALIDATION_ERROR', 'malformed HTTP request');
    this.refuse(socket, error, this.inFlight.get(socket)?.request);
  }

  /** Writes the envelope straight to the socket (if nothing was sent on it yet) and closes it. */
  private refuse(socket: Socket, error: PlatformError, request: IncomingMessage | undefined): void {
    const response = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (socket.writable && !response?.headersSent) {
      const body = JSON.stringify(error.toEnvelope());
      socket.write(
        `HTTP/1.1 ${error.status} ${STATUS_TEXT[error.status] ?? 'Error'}\r\n` +
          `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
          `${TRACEPARENT_HEADER}: ${traceparentFor(request)}\r\nconnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroySoon();
  }
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout' };
