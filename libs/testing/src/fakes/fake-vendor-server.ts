import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

/** A request as the fake received it: what contract tests assert on. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-cased names. */
  headers: Record<string, string>;
  /** Parsed JSON, or the raw text when it is not JSON (undefined when empty). */
  body: unknown;
  at: number;
}

export interface FakeAnswer {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * Writes the answer itself, over time, instead of status/body/headers: a streamed
   * body (SSE), a stall midway, a connection dropped after some bytes.
   */
  stream?: (res: ServerResponse) => void | Promise<void>;
}

export type RouteHandler = (request: RecordedRequest) => FakeAnswer | Promise<FakeAnswer>;

/** A misbehaviour for the next `times` requests that match. */
export interface Fault {
  method?: string;
  /** Exact path, or a pattern. */
  path?: string | RegExp;
  /** Answer this instead of the route's answer. */
  answer?: FakeAnswer;
  /** Wait this long before answering (or before dropping). */
  delayMs?: number;
  /** Destroy the TCP connection without an answer. */
  drop?: boolean;
  /** How many matching requests misbehave (default 1; Infinity for all). */
  times?: number;
}

interface Route {
  method: string;
  path: string | RegExp;
  handler: RouteHandler;
}

/**
 * The base of the vendor fakes: an HTTP (and WebSocket) server on a free loopback
 * port that records every request, answers from its routes and misbehaves on demand
 * (slow, any status with any body, Retry-After, dropped connections). Each vendor's
 * fake adds that vendor's routes and wire format on top.
 */
export class FakeVendorServer {
  readonly requests: RecordedRequest[] = [];
  private readonly routes: Route[] = [];
  private readonly faults: Array<Fault & { left: number }> = [];
  private readonly sockets = new Set<Socket>();
  private readonly wsRoutes: Array<{ path: string; onConnection: (socket: WebSocket, request: IncomingMessage) => void }> = [];
  private readonly wss = new WebSocketServer({ noServer: true });
  private server?: Server;
  /** Added to every answer (a slow vendor). */
  delayMs = 0;

  get url(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('fake vendor not started');
    return `http://127.0.0.1:${address.port}`;
  }

  route(method: string, path: string | RegExp, handler: RouteHandler): this {
    this.routes.push({ method, path, handler });
    return this;
  }

  /** Accepts WebSocket upgrades on this path. */
  websocket(path: string, onConnection: (socket: WebSocket, request: IncomingMessage) => void): this {
    this.wsRoutes.push({ path, onConnection });
    return this;
  }

  fault(fault: Fault): this {
    this.faults.push({ ...fault, left: fault.times ?? 1 });
    return this;
  }

  clearFaults(): void {
    this.faults.length = 0;
    this.delayMs = 0;
  }

  /** Requests to this method and path (a pattern matches the path). */
  calls(method: string, path: string | RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && matches(path, r.path));
  }

  /** Closes every open WebSocket abruptly (no close frame): a vendor that vanished. */
  dropWebSockets(): void {
    for (const client of this.wss.clients) client.terminate();
  }

  get openWebSockets(): number {
    return [...this.wss.clients].filter((c) => c.readyState === WebSocket.OPEN).length;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server.on('upgrade', (req, socket, head) => {
      const path = new URL(req.url ?? '/', 'http://fake').pathname;
      const route = this.wsRoutes.find((r) => r.path === path);
      this.requests.push(record(req, undefined));
      if (!route) return socket.destroy();
      this.wss.handleUpgrade(req, socket, head, (ws) => route.onConnection(ws, req));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const request = record(req, text);
    this.requests.push(request);
    const fault = this.takeFault(request);
    const delay = this.delayMs + (fault?.delayMs ?? 0);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    if (fault?.drop) return void req.socket.destroy();
    let answer: FakeAnswer;
    if (fault?.answer) answer = fault.answer;
    else {
      const route = this.routes.find((r) => r.method === request.method && matches(r.path, request.path));
      answer = route ? await route.handler(request) : { status: 404, body: { message: `no route ${request.method} ${request.path}` } };
    }
    if (res.destroyed) return;
    if (answer.stream) return void (await answer.stream(res));
    const body = answer.body === undefined ? '' : typeof answer.body === 'string' || Buffer.isBuffer(answer.body) ? answer.body : JSON.stringify(answer.body);
    res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', 'x-request-id': `req-${this.requests.length}`, ...answer.headers });
    res.end(body);
  }

  private takeFault(request: RecordedRequest): Fault | undefined {
    const index = this.faults.findIndex((f) => (!f.method || f.method === request.method) && (!f.path || matches(f.path, request.path)));
    if (index < 0) return undefined;
    const fault = this.faults[index];
    if (--fault.left <= 0) this.faults.splice(index, 1);
    return fault;
  }
}

function matches(pattern: string | RegExp, path: string): boolean {
  return typeof pattern === 'string' ? pattern === path : pattern.test(path);
}

function record(req: IncomingMessage, text: string | undefined): RecordedRequest {
  const url = new URL(req.url ?? '/', 'http://fake');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : (value ?? '');
  let body: unknown;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body, at: Date.now() };
}
