import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import { FakeAnswer, FakeVendorServer, RecordedRequest } from './fake-vendor-server';

/**
 * LiveAvatar as its public clients see it (docs.liveavatar.com, the LiveKit agents
 * plugin): three session calls over REST, avatar lists, and one control WebSocket per
 * session that takes `agent.speak` audio and answers with the avatar's speaking state.
 *
 * Assumptions where the vendor documents nothing (keep the adapter honest about them):
 * - Failure answers are `{code, message}` with the HTTP status (401 bad key or token,
 *   404 unknown avatar or session, 400 "Session already stopped", 422 FastAPI `detail`).
 * - A session whose WebSocket dropped stays started (billed) until stop or idle end, and
 *   its `ws_url` may be connected again.
 * - A bad socket token is closed with 1008; an ended session answers a connect with
 *   `session.state_updated {state: 'closed'}` and close 1000.
 * - Only `session.keep_alive` and `agent.speak` count as activity for the idle timeout.
 * - `agent.start_listening` / `agent.stop_listening` get no answer and leave playback
 *   alone: they only set the session's `listening` (every message is in `received`).
 */
export interface LiveAvatarFakeOptions {
  /** The account key `X-API-KEY` must carry. */
  apiKey?: string;
  /** Playback runs this many times faster than real time (tests: 10–100). */
  playbackSpeed?: number;
  /** The vendor ends a session with no activity for this long (0: never; the real one: 5 min). */
  idleTimeoutMs?: number;
  /** Delay between a socket connecting and `session.state_updated {state: 'connected'}`. */
  connectedDelayMs?: number;
  /** False: never say `connected` (a vendor stuck starting). */
  sendConnected?: boolean;
  /** `GET /v1/avatars/public`; the token call refuses avatars in neither list. */
  publicAvatars?: FakeAvatar[];
  /** `GET /v1/avatars` (the account's own). */
  userAvatars?: FakeAvatar[];
}

export interface FakeAvatar {
  id: string;
  name: string;
  preview_url?: string;
}

export type FakeSessionState = 'created' | 'started' | 'stopped' | 'ended';

export interface FakeLiveAvatarSession {
  id: string;
  token: string;
  /** The token in the session's ws_url. */
  wsToken: string;
  tokenRequest: Record<string, unknown>;
  state: FakeSessionState;
  /** The reason a client's stop gave. */
  stopReason?: string;
  /** Why the vendor ended it by itself. */
  endReason?: string;
  keepAlives: number;
  /** The avatar's listening state, as `agent.start_listening` / `agent.stop_listening` last set it. */
  listening: boolean;
  sockets: Set<WebSocket>;
}

/** A message the fake received on a session socket. */
export interface ReceivedMessage {
  sessionId: string;
  type: string;
  event_id?: string;
  /** Decoded byte length of an `agent.speak` chunk. */
  audioBytes?: number;
  /** The decoded audio itself. */
  audio?: Buffer;
  /** True when it came before the fake said `connected` on that socket. */
  beforeConnected: boolean;
  at: number;
}

/** A message the fake sent on a session socket. */
export interface SentMessage {
  sessionId: string;
  type: string;
  payload: Record<string, unknown>;
  at: number;
}

export const LIVEAVATAR_FAKE_API_KEY = 'la-test-key';
export const LIVEAVATAR_FAKE_AVATAR_ID = '11111111-2222-4333-8444-555555555555';

const WS_PATH = '/v1/ws';
const SAMPLE_RATE = 24_000;
const END_REASONS = [
  'UNKNOWN',
  'USER_DISCONNECTED',
  'SERVER_ERROR',
  'IDLE_TIMEOUT',
  'NO_CREDITS',
  'USER_CLOSED',
  'AVATAR_DELETED',
  'MAX_DURATION_REACHED',
  'ZOMBIE_SESSION_REAP',
];
const QUALITIES = ['low', 'medium', 'high', 'very_high'];

interface Utterance {
  taskId: string;
  firstEventId: string;
  startedAt: number;
  bytes: number;
  timer?: NodeJS.Timeout;
}

interface Playback {
  /** Taking audio (no speak_end yet). */
  current?: Utterance;
  /** Input complete, playing until its timer. */
  playing: Set<Utterance>;
  idleTimer?: NodeJS.Timeout;
}

export class LiveAvatarFake extends FakeVendorServer {
  readonly sessions = new Map<string, FakeLiveAvatarSession>();
  readonly received: ReceivedMessage[] = [];
  readonly sent: SentMessage[] = [];
  private readonly playback = new Map<string, Playback>();
  private readonly options: Required<LiveAvatarFakeOptions>;

  constructor(options: LiveAvatarFakeOptions = {}) {
    super();
    this.options = {
      apiKey: LIVEAVATAR_FAKE_API_KEY,
      playbackSpeed: 1,
      idleTimeoutMs: 0,
      connectedDelayMs: 0,
      sendConnected: true,
      publicAvatars: [{ id: LIVEAVATAR_FAKE_AVATAR_ID, name: 'Fake Anna', preview_url: 'https://cdn.example/anna.png' }],
      userAvatars: [],
      ...options,
    };
    this.route('POST', '/v1/sessions/token', (r) => this.createToken(r));
    this.route('POST', '/v1/sessions/start', (r) => this.startSession(r));
    this.route('POST', '/v1/sessions/stop', (r) => this.stopSession(r));
    this.route('GET', '/v1/avatars/public', (r) => this.listAvatars(r, this.options.publicAvatars, false));
    this.route('GET', '/v1/avatars', (r) => this.listAvatars(r, this.options.userAvatars, true));
    this.websocket(WS_PATH, (socket, request) => this.onSocket(socket, request));
  }

  /** Sessions started and neither stopped nor ended: what a leak check wants at 0. */
  get openSessions(): number {
    return [...this.sessions.values()].filter((s) => s.state === 'started').length;
  }

  /** The only session (tests that start one). */
  get session(): FakeLiveAvatarSession {
    const all = [...this.sessions.values()];
    if (all.length !== 1) throw new Error(`expected one LiveAvatar session, have ${all.length}`);
    return all[0];
  }

  receivedOf(type: string, sessionId?: string): ReceivedMessage[] {
    return this.received.filter((m) => m.type === type && (!sessionId || m.sessionId === sessionId));
  }

  sentOf(type: string, sessionId?: string): SentMessage[] {
    return this.sent.filter((m) => m.type === type && (!sessionId || m.sessionId === sessionId));
  }

  /** The vendor ends the session by itself: `state_updated {state: 'closed'}`, then close 1000. */
  endSession(id: string, reason = 'SERVER_ERROR'): void {
    const session = this.sessions.get(id);
    if (!session || session.state === 'ended' || session.state === 'stopped') return;
    session.state = 'ended';
    session.endReason = reason;
    this.closeSockets(session, reason);
  }

  /** The vendor stops the avatar by itself (another client interrupted it): `agent.speak_interrupted` for what plays. */
  interruptSpeech(id: string): void {
    const session = this.sessions.get(id);
    if (session) this.interrupt(session, this.playback.get(id)!);
  }

  /** Sends `session.state_updated {state}` on the session's sockets, and nothing else. */
  sendState(id: string, state: string): void {
    const session = this.sessions.get(id);
    if (session) this.broadcast(session, { type: 'session.state_updated', state });
  }

  /** Closes the session's sockets with `code` and no state message (the session itself stays as it is). */
  closeWebSockets(id: string, code: number, reason = ''): void {
    for (const socket of this.sessions.get(id)?.sockets ?? []) socket.close(code, reason);
  }

  override async stop(): Promise<void> {
    for (const playback of this.playback.values()) {
      this.silence(playback);
      clearTimeout(playback.idleTimer);
    }
    await super.stop();
  }

  // REST

  private createToken(request: RecordedRequest): FakeAnswer {
    if (request.headers['x-api-key'] !== this.options.apiKey) return fail(401, 'Invalid API key');
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (body.mode !== 'CUSTOM' && body.mode !== 'LITE') return invalid('mode', 'Input should be LITE or FULL');
    if (typeof body.avatar_id !== 'string') return invalid('avatar_id', 'Field required');
    const quality = (body.video_settings as { quality?: unknown } | undefined)?.quality;
    if (quality !== undefined && !QUALITIES.includes(quality as string)) return invalid('quality', 'Input should be low, medium, high or very_high');
    const known = [...this.options.publicAvatars, ...this.options.userAvatars].some((a) => a.id === body.avatar_id);
    if (!known) return fail(404, 'Avatar not found');
    const session: FakeLiveAvatarSession = {
      id: randomUUID(),
      token: `la-session-${randomUUID()}`,
      wsToken: `la-ws-${randomUUID()}`,
      tokenRequest: body,
      state: 'created',
      keepAlives: 0,
      listening: false,
      sockets: new Set(),
    };
    this.sessions.set(session.id, session);
    this.playback.set(session.id, { playing: new Set() });
    return { body: { code: 100, data: { session_id: session.id, session_token: session.token }, message: 'Success' } };
  }

  private startSession(request: RecordedRequest): FakeAnswer {
    const session = this.bySessionToken(request);
    if (!session) return fail(401, 'Invalid session token');
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (body.session_id !== undefined && body.session_id !== session.id) return fail(403, 'Session token does not match session_id');
    if (session.state !== 'created') return fail(400, 'Session is not in a startable state');
    session.state = 'started';
    this.touch(session);
    const wsUrl = `${this.url.replace(/^http/, 'ws')}${WS_PATH}?session_id=${session.id}&token=${session.wsToken}`;
    return {
      status: 201,
      body: {
        code: 100,
        data: {
          session_id: session.id,
          livekit_url: 'wss://livekit.fake-liveavatar.invalid',
          livekit_client_token: `lk-client-${session.id}`,
          livekit_agent_token: `lk-agent-${session.id}`,
          max_session_duration: 1200,
          ws_url: wsUrl,
        },
        message: 'Session started',
      },
    };
  }

  private stopSession(request: RecordedRequest): FakeAnswer {
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (body.reason !== undefined && !END_REASONS.includes(body.reason as string)) return invalid('reason', `Input should be one of ${END_REASONS.join(', ')}`);
    let session: FakeLiveAvatarSession | undefined;
    if (request.headers.authorization) {
      session = this.bySessionToken(request);
      if (!session) return fail(401, 'Invalid session token');
      if (body.session_id !== undefined && body.session_id !== session.id) return fail(403, 'Session token does not match session_id');
    } else {
      if (request.headers['x-api-key'] !== this.options.apiKey) return fail(401, 'Invalid API key');
      if (typeof body.session_id !== 'string') return fail(400, 'session_id is required with an API key');
      session = this.sessions.get(body.session_id);
      if (!session) return fail(404, 'Session not found');
    }
    if (session.state === 'stopped' || session.state === 'ended') return fail(400, 'Session already stopped');
    session.state = 'stopped';
    session.stopReason = typeof body.reason === 'string' ? body.reason : 'UNKNOWN';
    this.closeSockets(session, session.stopReason);
    return { body: { code: 100, data: null, message: 'Session stopped' } };
  }

  private listAvatars(request: RecordedRequest, avatars: FakeAvatar[], needsKey: boolean): FakeAnswer {
    if (needsKey && request.headers['x-api-key'] !== this.options.apiKey) return fail(401, 'Invalid API key');
    const page = Number(request.query.page ?? 1);
    const size = Number(request.query.page_size ?? 20);
    const results = avatars.slice((page - 1) * size, page * size);
    const more = page * size < avatars.length;
    return { body: { code: 100, data: { count: avatars.length, next: more ? page + 1 : null, previous: page > 1 ? page - 1 : null, results }, message: 'Success' } };
  }

  private bySessionToken(request: RecordedRequest): FakeLiveAvatarSession | undefined {
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    return [...this.sessions.values()].find((s) => s.token === token);
  }

  // Session socket

  private onSocket(socket: WebSocket, request: IncomingMessage): void {
    const query = new URL(request.url ?? '/', 'http://fake').searchParams;
    const session = this.sessions.get(query.get('session_id') ?? '');
    if (!session || session.wsToken !== query.get('token')) return void socket.close(1008, 'invalid session token');
    if (session.state !== 'started') {
      this.send(session, socket, { type: 'session.state_updated', state: 'closed' });
      return void socket.close(1000, session.endReason ?? session.stopReason ?? 'session not started');
    }
    session.sockets.add(socket);
    let connected = false;
    const sayConnected = setTimeout(() => {
      if (!this.options.sendConnected || socket.readyState !== WebSocket.OPEN) return;
      connected = true;
      this.send(session, socket, { type: 'session.state_updated', state: 'connected' });
    }, this.options.connectedDelayMs);
    socket.on('close', () => {
      clearTimeout(sayConnected);
      session.sockets.delete(socket);
      // An utterance whose input never ended (its sender vanished) is dropped: an
      // assumption (the vendor documents no such case), so a reconnected client starts clean.
      const playback = this.playback.get(session.id);
      if (playback?.current && session.sockets.size === 0) playback.current = undefined;
    });
    socket.on('message', (data) => this.onMessage(session, data.toString(), connected));
  }

  private onMessage(session: FakeLiveAvatarSession, text: string, connected: boolean): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(text) as Record<string, unknown>;
    } catch {
      message = { type: 'invalid-json' };
    }
    const type = String(message.type);
    const eventId = typeof message.event_id === 'string' ? message.event_id : undefined;
    const audio = type === 'agent.speak' && typeof message.audio === 'string' ? Buffer.from(message.audio, 'base64') : undefined;
    this.received.push({ sessionId: session.id, type, event_id: eventId, audioBytes: audio?.length, audio, beforeConnected: !connected, at: Date.now() });
    if (session.state !== 'started') return;
    const playback = this.playback.get(session.id)!;
    switch (type) {
      case 'session.keep_alive':
        session.keepAlives++;
        this.touch(session);
        break;
      case 'agent.speak':
        this.touch(session);
        if (!playback.current) {
          playback.current = { taskId: randomUUID(), firstEventId: eventId ?? randomUUID(), startedAt: Date.now(), bytes: 0 };
          this.broadcast(session, { type: 'agent.speak_started', event_id: playback.current.firstEventId, task: { id: playback.current.taskId } });
        }
        playback.current.bytes += audio?.length ?? 0;
        break;
      case 'agent.speak_end':
        if (playback.current) this.finishInput(session, playback, playback.current);
        break;
      case 'agent.interrupt':
        this.interrupt(session, playback);
        break;
      // The vendor documents no answer to these (and no effect on playback): the state is all there is.
      case 'agent.start_listening':
        session.listening = true;
        break;
      case 'agent.stop_listening':
        session.listening = false;
        break;
    }
  }

  private interrupt(session: FakeLiveAvatarSession, playback: Playback): void {
    for (const utterance of [playback.current, ...playback.playing]) {
      if (utterance) this.broadcast(session, { type: 'agent.speak_interrupted', event_id: utterance.firstEventId, task: { id: utterance.taskId } });
    }
    this.silence(playback);
  }

  /** The avatar plays the utterance in (scaled) real time from its first chunk, then says it ended. */
  private finishInput(session: FakeLiveAvatarSession, playback: Playback, utterance: Utterance): void {
    playback.current = undefined;
    playback.playing.add(utterance);
    const playMs = (utterance.bytes / 2 / SAMPLE_RATE) * 1000;
    const endsAt = utterance.startedAt + playMs / this.options.playbackSpeed;
    utterance.timer = setTimeout(
      () => {
        playback.playing.delete(utterance);
        this.broadcast(session, { type: 'agent.speak_ended', event_id: utterance.firstEventId, task: { id: utterance.taskId } });
      },
      Math.max(0, endsAt - Date.now()),
    );
  }

  private silence(playback: Playback): void {
    for (const utterance of playback.playing) clearTimeout(utterance.timer);
    playback.playing.clear();
    playback.current = undefined;
  }

  /** Activity: the idle clock starts over. */
  private touch(session: FakeLiveAvatarSession): void {
    const playback = this.playback.get(session.id)!;
    clearTimeout(playback.idleTimer);
    if (this.options.idleTimeoutMs > 0) playback.idleTimer = setTimeout(() => this.endSession(session.id, 'IDLE_TIMEOUT'), this.options.idleTimeoutMs);
  }

  private closeSockets(session: FakeLiveAvatarSession, reason: string): void {
    const playback = this.playback.get(session.id)!;
    this.silence(playback);
    clearTimeout(playback.idleTimer);
    for (const socket of session.sockets) {
      this.send(session, socket, { type: 'session.state_updated', state: 'closed' });
      socket.close(1000, reason);
    }
  }

  private broadcast(session: FakeLiveAvatarSession, payload: Record<string, unknown>): void {
    for (const socket of session.sockets) this.send(session, socket, payload);
  }

  private send(session: FakeLiveAvatarSession, socket: WebSocket, payload: Record<string, unknown>): void {
    if (socket.readyState !== WebSocket.OPEN) return;
    const message = { event_id: randomUUID(), ...payload };
    this.sent.push({ sessionId: session.id, type: String(payload.type), payload: message, at: Date.now() });
    socket.send(JSON.stringify(message));
  }
}

function fail(status: number, message: string): FakeAnswer {
  return { status, body: { code: status, message } };
}

function invalid(field: string, msg: string): FakeAnswer {
  return { status: 422, body: { detail: [{ loc: ['body', field], msg, type: 'value_error' }] } };
}
