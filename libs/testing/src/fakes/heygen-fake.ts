import { randomUUID } from 'node:crypto';
import { FakeAnswer, FakeVendorServer, RecordedRequest } from './fake-vendor-server';

/** new → started (streaming.start) → stopped (streaming.stop), or closed when HeyGen ends it itself. */
export type HeygenSessionState = 'new' | 'started' | 'stopped' | 'closed';

export interface HeygenFakeSession {
  id: string;
  state: HeygenSessionState;
  /** The streaming.new body as received. */
  body: Record<string, unknown>;
  accessToken: string;
  createdAt: number;
  tasks: Array<{ task_id: string; text: string; duration_ms: number }>;
  interrupts: number;
  keepAlives: number;
  /** The listening state `streaming.start_listening` / `stop_listening` set. */
  listening: boolean;
}

export interface HeygenFakeOptions {
  apiKey?: string;
  /** Interactive avatars of the account: streaming.new refuses others. */
  avatars?: Array<{ avatar_id: string; pose_name?: string; normal_preview?: string; status?: string; is_public?: boolean }>;
  voices?: Array<{ voice_id: string; name?: string; language?: string; gender?: string; preview_audio?: string }>;
  /** Concurrent sessions the account may run (default unlimited). */
  maxSessions?: number;
  /** The duration_ms a task answers per word (default 400, about 150 words a minute). */
  msPerWord?: number;
}

const ok = (data?: unknown): FakeAnswer => ({ status: 200, body: { code: 100, message: 'success', ...(data !== undefined ? { data } : {}) } });
const refuse = (code: number, message: string, status = 400): FakeAnswer => ({ status, body: { code, message } });

/**
 * HeyGen's legacy streaming API on a loopback port, LiveKit (v2) flavour: `x-api-key`
 * auth, `{code, message, data}` answers with HeyGen's own error codes (see heygen-codes.ts
 * in libs/providers for where each comes from), per-session state and the lists.
 */
export class HeygenFake extends FakeVendorServer {
  readonly apiKey: string;
  readonly sessions = new Map<string, HeygenFakeSession>();
  private readonly options: HeygenFakeOptions;

  constructor(options: HeygenFakeOptions = {}) {
    super();
    this.options = options;
    this.apiKey = options.apiKey ?? 'heygen-test-key';
    this.route('POST', '/v1/streaming.new', this.authed((r) => this.newSession(r)));
    this.route('POST', '/v1/streaming.start', this.authed((r) => this.onSession(r, ['new'], (s) => void (s.state = 'started'))));
    this.route('POST', '/v1/streaming.task', this.authed((r) => this.task(r)));
    this.route('POST', '/v1/streaming.interrupt', this.authed((r) => this.onSession(r, ['new', 'started'], (s) => void s.interrupts++)));
    // Like a task, only on a started session (an assumption: HeyGen documents no state rule for these).
    this.route('POST', '/v1/streaming.start_listening', this.authed((r) => this.onSession(r, ['started'], (s) => void (s.listening = true))));
    this.route('POST', '/v1/streaming.stop_listening', this.authed((r) => this.onSession(r, ['started'], (s) => void (s.listening = false))));
    this.route('POST', '/v1/streaming.keep_alive', this.authed((r) => this.onSession(r, ['new', 'started'], (s) => void s.keepAlives++)));
    this.route('POST', '/v1/streaming.stop', this.authed((r) => this.onSession(r, ['new', 'started'], (s) => void (s.state = 'stopped'))));
    this.route('GET', '/v1/streaming.list', this.authed(() => ok({ sessions: this.openList() })));
    this.route('GET', '/v1/streaming/avatar.list', this.authed(() => ok(this.options.avatars ?? [])));
    // v2 endpoints answer `{error, data}` instead of `{code, message, data}`.
    this.route('GET', '/v2/voices', this.authed(() => ({ status: 200, body: { error: null, data: { voices: this.options.voices ?? [] } } })));
  }

  /** Sessions created and not yet stopped or closed: what HeyGen bills and counts for concurrency. */
  get openSessions(): number {
    return this.openList().length;
  }

  /** HeyGen ends a session by itself (idle timeout, duration limit): later calls answer "closed". */
  endSession(id: string): void {
    const session = this.sessions.get(id);
    if (session) session.state = 'closed';
  }

  private authed(handler: (request: RecordedRequest) => FakeAnswer): (request: RecordedRequest) => FakeAnswer {
    return (request) => (request.headers['x-api-key'] === this.apiKey ? handler(request) : refuse(400112, 'Unauthorized', 401));
  }

  private newSession(request: RecordedRequest): FakeAnswer {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const avatar = (body.avatar_id ?? body.avatar_name) as string | undefined;
    if (this.options.avatars && avatar !== undefined && !this.options.avatars.some((a) => a.avatar_id === avatar)) return refuse(10012, 'Avatar not found');
    if (this.options.maxSessions !== undefined && this.openSessions >= this.options.maxSessions) return refuse(10007, 'Concurrent limit reached');
    const session: HeygenFakeSession = {
      id: randomUUID(),
      state: 'new',
      body,
      accessToken: `livekit-token-${randomUUID()}`,
      createdAt: Math.floor(Date.now() / 1000),
      tasks: [],
      interrupts: 0,
      keepAlives: 0,
      listening: false,
    };
    this.sessions.set(session.id, session);
    return ok({
      session_id: session.id,
      sdp: null,
      access_token: session.accessToken,
      url: 'wss://heygen-fake.livekit.cloud',
      ice_servers: null,
      ice_servers2: null,
      is_paid: true,
      session_duration_limit: 600,
    });
  }

  private task(request: RecordedRequest): FakeAnswer {
    const body = (request.body ?? {}) as { text?: unknown };
    return this.onSession(request, ['started'], (session) => {
      const text = String(body.text ?? '');
      const words = text.split(/\s+/).filter(Boolean).length;
      const task = { task_id: randomUUID(), text, duration_ms: words * (this.options.msPerWord ?? 400) };
      session.tasks.push(task);
      return ok({ task_id: task.task_id, duration_ms: task.duration_ms });
    });
  }

  /** Runs `act` on the named session when it is in one of `states`, else answers as HeyGen does. */
  private onSession(request: RecordedRequest, states: HeygenSessionState[], act: (session: HeygenFakeSession) => FakeAnswer | void): FakeAnswer {
    const id = (request.body as { session_id?: unknown } | undefined)?.session_id;
    const session = typeof id === 'string' ? this.sessions.get(id) : undefined;
    if (!session) return refuse(10006, 'Session not found');
    if (session.state === 'closed' || session.state === 'stopped') return refuse(10005, 'Session state wrong: closed');
    if (!states.includes(session.state)) return refuse(400006, 'Session is not in correct state');
    return act(session) ?? ok();
  }

  private openList() {
    return [...this.sessions.values()]
      .filter((s) => s.state === 'new' || s.state === 'started')
      .map((s) => ({ session_id: s.id, status: s.state === 'started' ? 'connected' : 'new', created_at: s.createdAt, api_key_type: 'api' }));
  }
}
