import type { IncomingMessage } from 'node:http';
import { RawData, WebSocket } from 'ws';
import { ProviderError } from '../provider-error';
import { upgradeFailureKind, serverErrorKind } from './spatialwalk-failures';
import { decodeMessage, encodeConfigureSession, MessageType, messageTypeName, SpatialWalkMessage } from './spatialwalk-wire';

/** Who opens an ingress socket, and as whom. */
export interface IngressTarget {
  ingressUrl: string;
  avatarId: string;
  appId: string;
  sessionToken: string;
  /** The web style: app id and session key in the query instead of headers. */
  queryAuth?: boolean;
}

/** `{ingress}/websocket?id=<avatar>` on ws(s), with the app id and session key as headers (or query). */
export function ingressRequest(target: IngressTarget): { url: string; headers: Record<string, string> } {
  const url = new URL(`${target.ingressUrl.replace(/\/+$/, '')}/websocket`);
  const scheme = { 'http:': 'ws:', 'https:': 'wss:', 'ws:': 'ws:', 'wss:': 'wss:' }[url.protocol];
  if (!scheme) throw new Error(`SpatialWalk ingress URL must be http(s) or ws(s), not ${url.protocol}`);
  url.protocol = scheme;
  url.searchParams.set('id', target.avatarId);
  if (target.queryAuth) {
    url.searchParams.set('appId', target.appId);
    url.searchParams.set('sessionKey', target.sessionToken);
    return { url: url.toString(), headers: {} };
  }
  return { url: url.toString(), headers: { 'X-App-ID': target.appId, 'X-Session-Key': target.sessionToken } };
}

export interface IngressLinkOptions {
  provider: string;
  url: string;
  headers: Record<string, string>;
  sampleRate: number;
  /** The upgrade and the configure/confirm handshake together. */
  connectTimeoutMs: number;
  /** WebSocket pings to notice a dead link (the vendor needs no keep-alive); 0: none. */
  pingIntervalMs: number;
}

/** What a link reports once the handshake is done. */
export interface IngressListener {
  message(message: SpatialWalkMessage, raw: Buffer): void;
  /** The link went away by itself (never after `close()`); once. */
  gone(error: ProviderError): void;
}

type Backlog = Array<{ message: SpatialWalkMessage; raw: Buffer } | { gone: ProviderError }>;

/** Longest wait for the vendor's close frame before the socket is cut. */
const CLOSE_GRACE_MS = 1000;
/** Enough of a refused upgrade's body to read the vendor's reason. */
const MAX_REFUSAL_BODY = 4096;

/**
 * One SpatialWalk ingress socket: opened, configured and confirmed (the vendor session
 * exists from then until the socket closes), watched with pings, and closed. It knows
 * bytes and messages, not utterances.
 */
export class IngressLink {
  private listener?: IngressListener;
  private readonly backlog: Backlog = [];
  private closing = false;
  private reported = false;
  private cutReason?: ProviderError;
  private pingTimer?: NodeJS.Timeout;
  private awaitingPong = false;

  private constructor(
    private readonly socket: WebSocket,
    readonly connectionId: string,
    private readonly options: IngressLinkOptions,
  ) {
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    socket.on('close', (code, reason) => this.onClose(code, reason.toString()));
    socket.on('pong', () => (this.awaitingPong = false));
    if (options.pingIntervalMs > 0) {
      this.pingTimer = setInterval(() => this.ping(), options.pingIntervalMs);
      this.pingTimer.unref();
    }
  }

  /** Opens the socket, sends configure-session and waits for the vendor's confirmation. */
  static open(options: IngressLinkOptions): Promise<IngressLink> {
    const { provider } = options;
    const fail = (message: string, kind: ProviderError['kind'], vendorStatus?: number) =>
      new ProviderError(`${provider}: ${message}`, { kind, provider, vendorStatus });
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(options.url, { headers: options.headers, perMessageDeflate: false });
      // Errors surface as failures or a close; an unheard 'error' would crash the process.
      socket.on('error', () => {});
      let settled = false;
      const settle = (error?: ProviderError, link?: IngressLink) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.off('open', onOpen).off('message', onMessage).off('close', onClose).off('error', onError).off('unexpected-response', onRefused);
        if (error) {
          socket.terminate();
          reject(error);
        } else resolve(link!);
      };
      const timer = setTimeout(() => settle(fail(`the ingress did not confirm the session within ${options.connectTimeoutMs} ms`, 'timeout')), options.connectTimeoutMs);
      const onOpen = () => socket.send(encodeConfigureSession(options.sampleRate));
      const onMessage = (data: RawData, isBinary: boolean) => {
        if (!isBinary) return settle(fail('the ingress answered configure-session with a text frame', 'rejected'));
        let message: SpatialWalkMessage;
        try {
          message = decodeMessage(asBuffer(data));
        } catch (err) {
          return settle(fail(`the ingress answered configure-session with undecodable bytes: ${(err as Error).message}`, 'rejected'));
        }
        if (message.type === MessageType.MESSAGE_SERVER_CONFIRM_SESSION && message.serverConfirmSession?.connectionId) {
          // The link listens before this handler goes: nothing after the confirmation is lost.
          return settle(undefined, new IngressLink(socket, message.serverConfirmSession.connectionId, options));
        }
        if (message.type === MessageType.MESSAGE_SERVER_ERROR) {
          const code = message.serverError?.code ?? 0;
          const text = message.serverError?.message ?? '';
          return settle(fail(`the ingress refused the session (code ${code}): ${text}`, serverErrorKind(code, text, 'configure'), code));
        }
        settle(fail(`the ingress answered configure-session with ${messageTypeName(message.type)}`, 'rejected'));
      };
      const onRefused = (_req: unknown, res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body = (body + chunk).slice(0, MAX_REFUSAL_BODY)));
        const done = () => settle(fail(`the ingress refused the socket with ${status}: ${body.trim().slice(0, 200) || '(empty answer)'}`, upgradeFailureKind(status, body), status));
        res.on('end', done);
        res.on('error', done);
        res.on('close', done);
      };
      const onError = (err: Error) => settle(fail(`could not reach the ingress: ${(err as NodeJS.ErrnoException).code ?? err.message}`, 'connection'));
      const onClose = (code: number) => settle(fail(`the ingress closed the socket (${code}) before confirming the session`, 'connection'));
      socket.on('open', onOpen).on('message', onMessage).on('close', onClose).on('error', onError).on('unexpected-response', onRefused);
    });
  }

  /** Starts delivering messages (and a loss), first those that came since the confirmation. */
  listen(listener: IngressListener): void {
    this.listener = listener;
    for (const item of this.backlog.splice(0)) {
      if ('gone' in item) listener.gone(item.gone);
      else listener.message(item.message, item.raw);
    }
  }

  get isOpen(): boolean {
    return !this.closing && !this.reported && this.socket.readyState === WebSocket.OPEN;
  }

  send(bytes: Uint8Array): Promise<void> {
    if (!this.isOpen) return Promise.reject(this.error('the ingress socket is not open', 'connection'));
    return new Promise((resolve, reject) =>
      this.socket.send(bytes, { binary: true }, (err) => (err ? reject(this.error(`sending failed: ${err.message}`, 'connection')) : resolve())),
    );
  }

  /** Closes the socket (ending the vendor session); no loss is reported after this. */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.pingTimer);
    if (this.socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const cut = setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS);
      this.socket.once('close', () => (clearTimeout(cut), resolve()));
      if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.close(1000);
    });
  }

  private ping(): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    if (this.awaitingPong) {
      this.cutReason = this.error(`the ingress socket answered no ping for ${this.options.pingIntervalMs} ms`, 'connection');
      this.socket.terminate();
      return;
    }
    this.awaitingPong = true;
    this.socket.ping();
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (!isBinary || this.closing) return;
    const raw = asBuffer(data);
    let message: SpatialWalkMessage;
    try {
      message = decodeMessage(raw);
    } catch {
      return; // Not ours to act on, like the vendor's SDKs (they report and go on).
    }
    if (this.listener) this.listener.message(message, raw);
    else this.backlog.push({ message, raw });
  }

  private onClose(code: number, reason: string): void {
    clearInterval(this.pingTimer);
    if (this.closing || this.reported) return;
    this.reported = true;
    // A close frame from the vendor ends its session on purpose; anything else is a dropped link.
    const error =
      this.cutReason ??
      (code === 1000 || code === 1001
        ? this.error(`the vendor ended the session (close ${code}${reason ? `: ${reason}` : ''})`, 'session_ended')
        : this.error(`the ingress socket dropped (close ${code}${reason ? `: ${reason}` : ''})`, 'connection'));
    if (this.listener) this.listener.gone(error);
    else this.backlog.push({ gone: error });
  }

  private error(message: string, kind: ProviderError['kind']): ProviderError {
    return new ProviderError(`${this.options.provider}: ${message}`, { kind, provider: this.options.provider });
  }
}

function asBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
