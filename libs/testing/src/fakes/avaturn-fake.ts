import { randomUUID } from 'node:crypto';
import { FakeAnswer, FakeVendorServer, RecordedRequest } from './fake-vendor-server';

export type AvaturnSessionState = 'active' | 'ended';

export interface AvaturnFakeSession {
  id: string;
  token: string;
  state: AvaturnSessionState;
  /** The create body as received (avatar_id, conversation_engine). */
  body: Record<string, unknown>;
  tasks: Array<{ task_id: string; text: string }>;
}

export interface AvaturnFakeOptions {
  apiKey?: string;
  /** Avatar ids the account has; others answer 410 Gone. */
  avatars?: string[];
}

const SESSIONS = '/api/v1/sessions';
const SESSION = /^\/api\/v1\/sessions\/([^/]+)$/;
const TASKS = /^\/api\/v1\/sessions\/([^/]+)\/tasks$/;

/**
 * Avaturn Live's REST API on a loopback port (docs.avaturn.live/api-reference): Bearer
 * key, FastAPI-style `{detail}` errors, 410 for an avatar that no longer exists, 404 for
 * a session it does not have (never created, terminated, or ended by the vendor).
 */
export class AvaturnFake extends FakeVendorServer {
  readonly apiKey: string;
  readonly sessions = new Map<string, AvaturnFakeSession>();
  private readonly avatars?: Set<string>;

  constructor(options: AvaturnFakeOptions = {}) {
    super();
    this.apiKey = options.apiKey ?? 'avaturn-test-key';
    this.avatars = options.avatars ? new Set(options.avatars) : undefined;
    this.route('POST', SESSIONS, this.authed((r) => this.create(r)));
    this.route('POST', TASKS, this.authed((r) => this.say(r)));
    this.route('DELETE', SESSION, this.authed((r) => this.terminate(r)));
  }

  get openSessions(): number {
    return [...this.sessions.values()].filter((s) => s.state === 'active').length;
  }

  /** The vendor ends a session by itself (user_absent_timeout, max_duration). */
  endSession(id: string): void {
    const session = this.sessions.get(id);
    if (session) session.state = 'ended';
  }

  private authed(handler: (request: RecordedRequest) => FakeAnswer): (request: RecordedRequest) => FakeAnswer {
    return (request) =>
      request.headers.authorization === `Bearer ${this.apiKey}` ? handler(request) : { status: 401, body: { detail: 'Invalid API key' } };
  }

  private create(request: RecordedRequest): FakeAnswer {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const avatarId = body.avatar_id as string | undefined;
    if (avatarId !== undefined && this.avatars && !this.avatars.has(avatarId)) return { status: 410, body: { detail: `Avatar ${avatarId} no longer exists` } };
    const engineError = invalidEngine(body.conversation_engine);
    if (engineError) return { status: 422, body: { detail: [{ loc: ['body', 'conversation_engine', engineError], msg: 'Field required', type: 'missing' }] } };
    const session: AvaturnFakeSession = { id: randomUUID(), token: `avaturn-token-${randomUUID()}`, state: 'active', body, tasks: [] };
    this.sessions.set(session.id, session);
    return { status: 200, body: { session_id: session.id, token: session.token } };
  }

  private say(request: RecordedRequest): FakeAnswer {
    const session = this.activeSession(TASKS, request);
    if (!session) return notFound();
    const text = (request.body as { text?: unknown } | undefined)?.text;
    if (typeof text !== 'string') return { status: 422, body: { detail: [{ loc: ['body', 'text'], msg: 'Field required', type: 'missing' }] } };
    const task = { task_id: randomUUID(), text };
    session.tasks.push(task);
    return { status: 200, body: { task_id: task.task_id } };
  }

  private terminate(request: RecordedRequest): FakeAnswer {
    const session = this.activeSession(SESSION, request);
    if (!session) return notFound();
    session.state = 'ended';
    return { status: 200, body: null };
  }

  private activeSession(pattern: RegExp, request: RecordedRequest): AvaturnFakeSession | undefined {
    const id = decodeURIComponent(pattern.exec(request.path)?.[1] ?? '');
    const session = this.sessions.get(id);
    return session?.state === 'active' ? session : undefined;
  }
}

function notFound(): FakeAnswer {
  return { status: 404, body: { detail: 'Session not found' } };
}

/** The engine field a conversation engine lacks (422 at the vendor), if any. */
function invalidEngine(engine: unknown): string | undefined {
  if (engine === undefined) return undefined;
  const e = (engine ?? {}) as Record<string, unknown>;
  if (e.type === 'openai-realtime') return typeof e.client_secret === 'string' ? undefined : 'client_secret';
  if (e.type === 'cartesia') return typeof e.access_token !== 'string' ? 'access_token' : typeof e.agent_id !== 'string' ? 'agent_id' : undefined;
  // The vendor's legacy text-echo engine (its TTS settings are optional).
  if (e.type === 'text-echo') return undefined;
  return 'type';
}
