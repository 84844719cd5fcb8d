// Clients of the platform as a user's code holds them: HTTP with an API key, and a
// WebSocket that records every event it receives.
import WebSocket from 'ws';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export function apiClient(baseUrl: string, apiKey?: string) {
  const call = async <T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> => {
    const response = await fetch(baseUrl + path, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };
  return {
    request: <T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>) => call<T>(method, path, body, headers),
    get: <T = any>(path: string, headers?: Record<string, string>) => call<T>('GET', path, undefined, headers),
    post: <T = any>(path: string, body?: unknown, headers?: Record<string, string>) => call<T>('POST', path, body, headers),
  };
}
export type ApiClient = ReturnType<typeof apiClient>;

/** Creates and starts a session; returns its id and access token. */
export async function startedSession(api: ApiClient): Promise<{ sessionId: string; token: string }> {
  const created = await api.post('/v1/streaming.new', { quality: 'medium' });
  if (created.status !== 200) throw new Error(`streaming.new: ${created.status} ${JSON.stringify(created.body)}`);
  const started = await api.post('/v1/streaming.start', { session_id: created.body.session_id });
  if (started.status !== 200) throw new Error(`streaming.start: ${started.status} ${JSON.stringify(started.body)}`);
  return { sessionId: created.body.session_id, token: created.body.access_token };
}

export interface SocketEvent {
  id?: number;
  type: string;
  [key: string]: any;
}

export interface EventSocket {
  ws: WebSocket;
  events: SocketEvent[];
  /** Events other than frames, in arrival order. */
  lifecycle(): SocketEvent[];
  waitFor(predicate: (e: SocketEvent) => boolean, timeoutMs?: number): Promise<SocketEvent>;
  send(message: unknown): void;
  close(): Promise<void>;
}

export function openSocket(url: string, headers: Record<string, string> = {}): Promise<EventSocket> {
  const ws = new WebSocket(url, { headers });
  const events: SocketEvent[] = [];
  const waiters: Array<{ predicate: (e: SocketEvent) => boolean; resolve: (e: SocketEvent) => void }> = [];
  ws.on('message', (data) => {
    const event = JSON.parse(String(data)) as SocketEvent;
    events.push(event);
    for (const waiter of [...waiters]) {
      if (waiter.predicate(event)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(event);
      }
    }
  });
  const socket: EventSocket = {
    ws,
    events,
    lifecycle: () => events.filter((e) => e.type !== 'frame'),
    waitFor: (predicate, timeoutMs = 15_000) => {
      const seen = events.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching event within ${timeoutMs} ms; got: ${JSON.stringify(socket.lifecycle())}`)), timeoutMs);
        waiters.push({ predicate, resolve: (e) => (clearTimeout(timer), resolve(e)) });
      });
    },
    send: (message) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
    close: () =>
      new Promise((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.close();
      }),
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(socket));
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { statusCode: res.statusCode })));
    ws.once('error', reject);
  });
}

export function sessionSocketUrl(wsUrl: string, sessionId: string, token: string, extra = ''): string {
  return `${wsUrl}/ws/${sessionId}?token=${encodeURIComponent(token)}${extra}`;
}

/** The HTTP answer of a refused WebSocket upgrade (rejects if the upgrade is accepted). */
export function refusedStatus(url: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => (ws.close(), reject(new Error('upgrade accepted'))));
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    ws.once('error', () => undefined);
  });
}
