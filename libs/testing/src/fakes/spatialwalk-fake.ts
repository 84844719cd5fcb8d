import type { IncomingMessage } from 'node:http';
import { RawData, WebSocket } from 'ws';
// The wire codec of the adapter under test: the fake speaks the same generated protobuf code.
import {
  decodeSpatialWalkMessage,
  encodeSpatialWalkAnimation,
  encodeSpatialWalkConfirmSession,
  encodeSpatialWalkServerError,
  SPATIALWALK_SAMPLE_RATES,
  spatialwalkProto,
  spatialWalkMessageTypeName,
} from '../../../providers/src/spatialwalk';
import { FakeVendorServer } from './fake-vendor-server';

const { MessageType } = spatialwalkProto;

export interface SpatialWalkFakeOptions {
  apiKey?: string;
  appId?: string;
  /** Avatars the vendor knows; configure for any other is refused like the vendor's "Avatar not found". */
  avatarIds?: string[];
  /** How fast animation is streamed: 1 is real time, 10 ten times faster. */
  playbackSpeed?: number;
  /** One animation response per this many ms of received audio. */
  frameMs?: number;
}

/** One message a client sent, decoded. */
export interface SpatialWalkReceived {
  /** 1 for the first socket the fake accepted, 2 for the next… */
  socket: number;
  type: string;
  reqId?: string;
  end?: boolean;
  /** Audio input: bytes of PCM. */
  audioBytes?: number;
  /** Configure-session: the fields as decoded (zero values included). */
  configure?: { sampleRate: number; bitrate: number; audioFormat: number; transportCompression: number; egressType: number };
  raw: Buffer;
}

/** How a socket authenticated itself (headers, or the web style's query). */
export interface SpatialWalkSocketAuth {
  socket: number;
  avatarId: string;
  appId?: string;
  sessionKey?: string;
  via: 'headers' | 'query' | 'none';
}

const SERVER_CODES = { invalidArgument: 3, notFound: 5, unauthenticated: 16 } as const;

/**
 * A stand-in for SpatialWalk: the console's `POST /v1/console/session-tokens` and the
 * ingress socket `/v2/driveningress/websocket` speaking binary protobuf. It checks the
 * API key, the app id and issued session keys, confirms configure-session with a
 * connection id, streams one animation response per `frameMs` of audio received (in
 * real time scaled by `playbackSpeed`, the last with end after the end chunk), stops
 * on interrupt, records every message, and misbehaves on demand.
 *
 * Unlike the vendor, a refused session key or unknown avatar is answered after the
 * upgrade (SERVER_ERROR to configure-session, then close): FakeVendorServer accepts
 * every upgrade on a route. The vendor's refusals of the upgrade itself (HTTP 400,
 * 401, 404) are covered by the adapter's own specs.
 */
export class SpatialWalkFake extends FakeVendorServer {
  readonly apiKey: string;
  readonly appId: string;
  readonly avatarIds: Set<string>;
  playbackSpeed: number;
  readonly frameMs: number;
  /** Issued session tokens and their expiry (unix seconds). */
  readonly issuedTokens = new Map<string, number>();
  readonly received: SpatialWalkReceived[] = [];
  readonly socketAuth: SpatialWalkSocketAuth[] = [];
  /** Added before confirming a configure-session (a slow vendor). */
  confirmDelayMs = 0;
  /** Keep streaming an interrupted request's animation (a vendor whose interrupt lags). */
  ignoreInterrupts = false;
  private readonly sessions = new Set<FakeIngressSession>();
  private nextConfigureFailure?: { code: number; message: string };
  private nextRequestFailure?: { code: number; message: string };
  private socketCount = 0;
  private tokens = 0;

  constructor(options: SpatialWalkFakeOptions = {}) {
    super();
    this.apiKey = options.apiKey ?? 'sw-api-key';
    this.appId = options.appId ?? 'sw-app-id';
    this.avatarIds = new Set(options.avatarIds ?? ['avatar-1']);
    this.playbackSpeed = options.playbackSpeed ?? 1;
    this.frameMs = options.frameMs ?? 40;
    this.route('POST', '/v1/console/session-tokens', (request) => {
      if (request.headers['x-api-key'] !== this.apiKey) {
        return { status: 401, body: { errors: [{ status: 401, code: 'unauthorized', title: 'Unauthorized', detail: 'invalid API key' }] } };
      }
      const expireAt = (request.body as { expireAt?: unknown } | undefined)?.expireAt;
      if (typeof expireAt !== 'number' || !Number.isInteger(expireAt) || expireAt <= Date.now() / 1000) {
        return { status: 400, body: { errors: [{ status: 400, code: 'invalid_expire_at', title: 'Bad Request', detail: 'expireAt must be future unix seconds' }] } };
      }
      const token = `st-${++this.tokens}`;
      this.issuedTokens.set(token, expireAt);
      return { status: 200, body: { sessionToken: token } };
    });
    this.websocket('/v2/driveningress/websocket', (socket, request) => this.accept(socket, request));
  }

  get consoleUrl(): string {
    return `${this.url}/v1/console`;
  }

  get ingressUrl(): string {
    return `${this.url}/v2/driveningress`;
  }

  /** Configured sessions whose socket is still open: 0 when every session was closed. */
  get openSessions(): number {
    return [...this.sessions].filter((s) => s.isOpen).length;
  }

  /** The connection ids of the confirmed sessions, in order. */
  get connectionIds(): string[] {
    return [...this.sessions].filter((s) => s.connectionId).map((s) => s.connectionId!);
  }

  /** The next configure-session is answered with this SERVER_ERROR (then the socket closes). */
  failNextConfigure(code: number, message: string): void {
    this.nextConfigureFailure = { code, message };
  }

  /** The next utterance (a new req_id) is answered with this SERVER_ERROR for its req_id, and no animation. */
  failNextRequest(code: number, message: string): void {
    this.nextRequestFailure = { code, message };
  }

  /** A SERVER_ERROR naming no request, to every open session. */
  sendSessionError(code: number, message: string): void {
    for (const session of this.sessions) session.sendError(code, message);
  }

  /** The vendor ends its sessions by itself: a clean close frame. */
  endSessions(code = 1000, reason = 'session ended'): void {
    for (const session of this.sessions) session.end(code, reason);
  }

  /** What clients sent, by type name (`MESSAGE_CLIENT_AUDIO_INPUT`) and optionally request. */
  messages(type: string, reqId?: string): SpatialWalkReceived[] {
    return this.received.filter((m) => m.type === type && (reqId === undefined || m.reqId === reqId));
  }

  /** Animation responses sent for a request. */
  animationsSent(reqId: string): number {
    return [...this.sessions].reduce((n, s) => n + s.animationsSent(reqId), 0);
  }

  takeConfigureFailure(): { code: number; message: string } | undefined {
    const failure = this.nextConfigureFailure;
    this.nextConfigureFailure = undefined;
    return failure;
  }

  takeRequestFailure(): { code: number; message: string } | undefined {
    const failure = this.nextRequestFailure;
    this.nextRequestFailure = undefined;
    return failure;
  }

  /** Whether a socket's app id and session key would open a session now. */
  authorizes(appId: string | undefined, sessionKey: string | undefined): boolean {
    const expireAt = sessionKey ? this.issuedTokens.get(sessionKey) : undefined;
    return appId === this.appId && expireAt !== undefined && expireAt > Date.now() / 1000;
  }

  private accept(socket: WebSocket, request: IncomingMessage): void {
    const n = ++this.socketCount;
    const url = new URL(request.url ?? '/', 'http://fake');
    const header = (name: string) => (request.headers[name] as string | undefined) || undefined;
    const auth: SpatialWalkSocketAuth =
      header('x-app-id') || header('x-session-key')
        ? { socket: n, avatarId: url.searchParams.get('id') ?? '', appId: header('x-app-id'), sessionKey: header('x-session-key'), via: 'headers' }
        : url.searchParams.has('appId') || url.searchParams.has('sessionKey')
          ? { socket: n, avatarId: url.searchParams.get('id') ?? '', appId: url.searchParams.get('appId') ?? undefined, sessionKey: url.searchParams.get('sessionKey') ?? undefined, via: 'query' }
          : { socket: n, avatarId: url.searchParams.get('id') ?? '', via: 'none' };
    this.socketAuth.push(auth);
    this.sessions.add(new FakeIngressSession(this, socket, auth));
  }
}

/** One ingress socket at the fake. */
class FakeIngressSession {
  connectionId?: string;
  sampleRate = 0;
  private readonly streams = new Map<string, AnimationStream>();

  constructor(
    private readonly fake: SpatialWalkFake,
    private readonly socket: WebSocket,
    private readonly auth: SpatialWalkSocketAuth,
  ) {
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    socket.on('close', () => {
      for (const stream of this.streams.values()) stream.stop();
    });
  }

  get isOpen(): boolean {
    return !!this.connectionId && this.socket.readyState === WebSocket.OPEN;
  }

  animationsSent(reqId: string): number {
    return this.streams.get(reqId)?.sent ?? 0;
  }

  send(bytes: Uint8Array): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(bytes);
  }

  sendError(code: number, message: string, reqId?: string): void {
    if (this.connectionId) this.send(encodeSpatialWalkServerError({ connectionId: this.connectionId, reqId, code, message }));
  }

  end(code: number, reason: string): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.close(code, reason);
  }

  private refuse(code: number, message: string): void {
    this.send(encodeSpatialWalkServerError({ code, message }));
    this.socket.close(1008, 'session refused');
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    const raw = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (!isBinary) return this.refuse(SERVER_CODES.invalidArgument, 'expected binary protobuf');
    let message;
    try {
      message = decodeSpatialWalkMessage(raw);
    } catch {
      return this.refuse(SERVER_CODES.invalidArgument, 'undecodable message');
    }
    const configure = message.clientConfigureSession;
    const audio = message.clientAudioInput;
    const reqId = audio?.reqId ?? message.clientInterrupt?.reqId ?? undefined;
    this.fake.received.push({
      socket: this.auth.socket,
      type: spatialWalkMessageTypeName(message.type),
      ...(reqId !== undefined ? { reqId } : {}),
      ...(audio ? { end: !!audio.end, audioBytes: audio.audio?.length ?? 0 } : {}),
      ...(configure
        ? {
            configure: {
              sampleRate: configure.sampleRate ?? 0,
              bitrate: configure.bitrate ?? 0,
              audioFormat: configure.audioFormat ?? 0,
              transportCompression: configure.transportCompression ?? 0,
              egressType: configure.egressType ?? 0,
            },
          }
        : {}),
      raw,
    });
    switch (message.type) {
      case MessageType.MESSAGE_CLIENT_CONFIGURE_SESSION:
        return void this.configure(configure?.sampleRate ?? 0);
      case MessageType.MESSAGE_CLIENT_AUDIO_INPUT:
        if (!this.connectionId) return this.refuse(SERVER_CODES.invalidArgument, 'configure the session first');
        return this.audio(audio?.reqId ?? '', audio?.audio?.length ?? 0, !!audio?.end);
      case MessageType.MESSAGE_CLIENT_INTERRUPT:
        if (!this.fake.ignoreInterrupts) this.streams.get(reqId ?? '')?.stop();
        return;
    }
  }

  private async configure(sampleRate: number): Promise<void> {
    if (this.connectionId) return this.sendError(SERVER_CODES.invalidArgument, 'session already configured');
    const failure = this.fake.takeConfigureFailure();
    if (failure) return this.refuse(failure.code, failure.message);
    if (!this.fake.authorizes(this.auth.appId, this.auth.sessionKey)) return this.refuse(SERVER_CODES.unauthenticated, 'Invalid session token');
    if (!this.fake.avatarIds.has(this.auth.avatarId)) return this.refuse(SERVER_CODES.notFound, `Avatar not found: ${this.auth.avatarId}`);
    if (!(SPATIALWALK_SAMPLE_RATES as readonly number[]).includes(sampleRate)) return this.refuse(SERVER_CODES.invalidArgument, `unsupported sample rate ${sampleRate}`);
    if (this.fake.confirmDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.fake.confirmDelayMs));
    this.sampleRate = sampleRate;
    this.connectionId = `conn-${this.auth.socket}`;
    this.send(encodeSpatialWalkConfirmSession(this.connectionId));
  }

  private audio(reqId: string, bytes: number, end: boolean): void {
    let stream = this.streams.get(reqId);
    if (!stream) {
      const failure = this.fake.takeRequestFailure();
      stream = new AnimationStream(this, this.fake, reqId, failure);
      this.streams.set(reqId, stream);
    }
    stream.add(bytes, end);
  }
}

/** The animation of one request: one response per `frameMs` of audio, paced from the first chunk. */
class AnimationStream {
  sent = 0;
  private samples = 0;
  private ended = false;
  private stopped = false;
  private startedAt = Date.now();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly session: FakeIngressSession,
    private readonly fake: SpatialWalkFake,
    private readonly reqId: string,
    failure: { code: number; message: string } | undefined,
  ) {
    if (failure) {
      this.stopped = true;
      session.sendError(failure.code, failure.message, reqId);
    }
  }

  add(bytes: number, end: boolean): void {
    if (this.stopped || this.ended) return;
    this.samples += bytes / 2;
    this.ended = end;
    this.pump();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private get samplesPerFrame(): number {
    return (this.session.sampleRate * this.fake.frameMs) / 1000;
  }

  /** Sends every frame that is both owed (its audio arrived) and due (its time came), then waits for the next. */
  private pump(): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    const total = this.ended ? Math.max(1, Math.ceil(this.samples / this.samplesPerFrame)) : Math.floor(this.samples / this.samplesPerFrame);
    const frameWallMs = this.fake.frameMs / this.fake.playbackSpeed;
    while (this.sent < total && Date.now() >= this.startedAt + this.sent * frameWallMs) {
      const index = this.sent++;
      const last = this.ended && this.sent === total;
      this.session.send(
        encodeSpatialWalkAnimation({ connectionId: this.session.connectionId ?? '', reqId: this.reqId, end: last, payload: fakeAnimationPayload(index) }),
      );
      if (last) return this.stop();
    }
    if (this.sent < total) this.timer = setTimeout(() => this.pump(), Math.max(0, this.startedAt + this.sent * frameWallMs - Date.now()));
  }
}

/** Stand-in animation data: an unknown field 15 holding `frame:<index>`, which the client passes on untouched. */
function fakeAnimationPayload(index: number): Uint8Array {
  const text = Buffer.from(`frame:${index}`);
  return Buffer.concat([Buffer.from([0x7a, text.length]), text]);
}

/** The index of a fake animation response, read back from a frame event's bytes (base64 or raw). */
export function spatialWalkFakeFrameIndex(data: string | Uint8Array): number {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'base64') : data;
  const unknown = decodeSpatialWalkMessage(bytes, { keepUnknown: true }).serverResponseAnimation?.$unknowns?.[0];
  const match = unknown && /frame:(\d+)/.exec(Buffer.from(unknown).toString('latin1'));
  if (!match) throw new Error('not a SpatialWalkFake animation response');
  return Number(match[1]);
}
