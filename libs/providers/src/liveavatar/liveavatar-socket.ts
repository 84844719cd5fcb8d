import { randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';
import { ProviderError } from '../provider-error';
import { LIVEAVATAR_PROVIDER } from './liveavatar-api';
import { CLIENT_EVENTS, SESSION_STATES, VENDOR_EVENTS, VendorMessage } from './liveavatar-wire';

export interface LiveAvatarSocketOptions {
  url: string;
  /** How long to wait for `session.state_updated {state: 'connected'}`. */
  connectTimeoutMs: number;
  /** `session.keep_alive` cadence while open (the vendor ends sessions idle for 5 minutes). */
  keepAliveIntervalMs: number;
}

type Phase = 'connecting' | 'open' | 'lost' | 'closed';

/** WebSocket close codes: 1000 is the vendor closing on purpose (the session ended); 1008 a refused token. */
const NORMAL_CLOSURE = 1000;
const POLICY_VIOLATION = 1008;
/** How long `close()` waits for the vendor's close frame before cutting the socket. */
const CLOSE_GRACE_MS = 1000;

/**
 * The session's control WebSocket (`ws_url` from start). Opening waits for the vendor to
 * say `connected` (the docs: no command before that); while open it sends
 * `session.keep_alive` on a fixed cadence; when the vendor goes away by itself (it
 * ended the session, or the socket dropped) every lost-listener hears it once, with a
 * typed ProviderError. Nothing is reported after our own `close()`.
 */
export class LiveAvatarSocket {
  private phase: Phase = 'connecting';
  private lost?: ProviderError;
  private readonly lostListeners = new Set<(error: ProviderError) => void>();
  private readonly messageListeners = new Set<(message: VendorMessage) => void>();
  private keepAliveTimer?: NodeJS.Timeout;
  private connectTimer?: NodeJS.Timeout;
  private settleOpen?: { resolve: () => void; reject: (error: ProviderError) => void };

  private constructor(
    private readonly ws: WebSocket,
    private readonly options: LiveAvatarSocketOptions,
  ) {
    ws.on('message', (data) => this.handleMessage(data.toString()));
    ws.on('close', (code, reason) => this.fail(this.closeError(code, reason.toString())));
    // An error is always followed by 'close'; a listener must exist or ws would throw.
    ws.on('error', (err) => this.fail(error(`session socket failed: ${err.message}`, 'connection')));
    ws.on('unexpected-response', (_request, response) => this.fail(upgradeError(response.statusCode ?? 0)));
  }

  /** Connects and resolves once the vendor says `connected`; a ProviderError otherwise. */
  static async open(options: LiveAvatarSocketOptions): Promise<LiveAvatarSocket> {
    let ws: WebSocket;
    try {
      ws = new WebSocket(options.url);
    } catch (err) {
      throw error(`the session ws_url is not a WebSocket URL: ${(err as Error).message}`, 'rejected');
    }
    const socket = new LiveAvatarSocket(ws, options);
    await new Promise<void>((resolve, reject) => {
      socket.settleOpen = { resolve, reject };
      socket.connectTimer = setTimeout(
        () => socket.fail(error(`the session socket did not say connected within ${options.connectTimeoutMs} ms`, 'timeout')),
        options.connectTimeoutMs,
      );
    });
    return socket;
  }

  get isOpen(): boolean {
    return this.phase === 'open';
  }

  /** Sends one event with its `event_id`; resolves once written. Fails when the socket is not open. */
  send(type: string, fields: Record<string, unknown> = {}, eventId: string = randomUUID()): Promise<string> {
    if (this.phase !== 'open') return Promise.reject(this.notOpen());
    return new Promise((resolve, reject) => {
      this.ws.send(JSON.stringify({ type, event_id: eventId, ...fields }), (err) => {
        if (!err) return resolve(eventId);
        const failure = error(`sending ${type} failed: ${err.message}`, 'connection');
        this.fail(failure);
        reject(this.lost ?? failure);
      });
    });
  }

  /** The error a send would fail with now (undefined when open). */
  notOpen(): ProviderError {
    return this.lost ?? error('the session socket is closed', 'connection');
  }

  /** Every vendor message; returns the unsubscribe. */
  onMessage(listener: (message: VendorMessage) => void): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  /** Called once when the vendor side goes away (at once if it already has); returns the unsubscribe. */
  onLost(listener: (error: ProviderError) => void): () => void {
    if (this.lost) {
      const lost = this.lost;
      queueMicrotask(() => listener(lost));
      return () => undefined;
    }
    if (this.phase === 'closed') return () => undefined;
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.stopTimers();
    this.lostListeners.clear();
    if (this.ws.readyState !== WebSocket.OPEN) return void this.ws.terminate();
    await new Promise<void>((resolve) => {
      const cut = setTimeout(() => (this.ws.terminate(), resolve()), CLOSE_GRACE_MS);
      this.ws.once('close', () => (clearTimeout(cut), resolve()));
      this.ws.close(NORMAL_CLOSURE, 'client closed');
    });
  }

  private handleMessage(text: string): void {
    let message: VendorMessage;
    try {
      message = JSON.parse(text) as VendorMessage;
    } catch {
      return; // not an event of the documented protocol
    }
    if (message.type === VENDOR_EVENTS.STATE_UPDATED) {
      if (message.state === SESSION_STATES.CONNECTED && this.phase === 'connecting') this.becomeOpen();
      else if (message.state === SESSION_STATES.CLOSED || message.state === SESSION_STATES.CLOSING) {
        this.fail(error(`the vendor ended the session (state ${message.state})`, 'session_ended'));
      }
    }
    for (const listener of [...this.messageListeners]) listener(message);
  }

  private becomeOpen(): void {
    this.phase = 'open';
    clearTimeout(this.connectTimer);
    this.keepAliveTimer = setInterval(() => void this.send(CLIENT_EVENTS.KEEP_ALIVE).catch(() => undefined), this.options.keepAliveIntervalMs);
    this.keepAliveTimer.unref();
    this.settleOpen?.resolve();
  }

  /** The first failure wins: it fails the open, or (once open) is reported to the lost-listeners. */
  private fail(failure: ProviderError): void {
    if (this.phase === 'connecting') {
      this.phase = 'closed';
      this.stopTimers();
      this.ws.terminate();
      this.settleOpen?.reject(failure);
      return;
    }
    if (this.phase !== 'open') return;
    this.phase = 'lost';
    this.lost = failure;
    this.stopTimers();
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
    const listeners = [...this.lostListeners];
    this.lostListeners.clear();
    for (const listener of listeners) listener(failure);
  }

  private closeError(code: number, reason: string): ProviderError {
    const said = `closed the session socket (${code}${reason ? ` ${reason}` : ''})`;
    if (code === NORMAL_CLOSURE) return error(`the vendor ${said}: the session ended`, 'session_ended');
    if (code === POLICY_VIOLATION) return error(`the vendor refused the session token: ${said}`, 'auth');
    return error(`the vendor ${said} unexpectedly`, 'connection');
  }

  private stopTimers(): void {
    clearTimeout(this.connectTimer);
    clearInterval(this.keepAliveTimer);
  }
}

/** The HTTP status of a refused WebSocket upgrade. */
function upgradeError(status: number): ProviderError {
  if (status === 401 || status === 403) return error(`the session socket was refused (${status})`, 'auth');
  if (status === 404 || status === 410) return error(`the session socket is gone (${status}): the session ended`, 'session_ended');
  return error(`the session socket upgrade answered ${status}`, status >= 500 ? 'unavailable' : 'connection');
}

function error(message: string, kind: ProviderError['kind']): ProviderError {
  return new ProviderError(`${LIVEAVATAR_PROVIDER}: ${message}`, { kind, provider: LIVEAVATAR_PROVIDER });
}
