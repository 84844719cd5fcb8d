import type { V1Routes, WsCloseCodes, WsParams } from './contracts';

/**
 * The `/v1` paths the SDK calls. Each literal is checked against the contract's route
 * table at compile time: a route renamed in libs/contracts fails the SDK's type-check.
 */
export const ROUTES = {
  createSession: 'streaming.new',
  startSession: 'streaming.start',
  stopSession: 'streaming.stop',
  sessionToken: 'streaming.token',
  listSessions: 'streaming.sessions',
  speak: 'avatar.speak',
  chatCompletion: 'chat.completions',
  interrupt: 'streaming.interrupt',
  getTask: 'tasks/:task_id',
  getSession: 'sessions/:session_id',
  listProviders: 'providers',
  listAvatars: 'avatars',
  listVoices: 'voices',
} as const satisfies { [K in keyof V1Routes]?: V1Routes[K]['path'] };

/** The socket's close codes the SDK acts on, checked against the contract's. */
export const CLOSE = {
  SESSION_STOPPED: 1000,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  TOKEN_EXPIRED: 4001,
} as const satisfies Partial<WsCloseCodes>;

/** Query parameters of `/ws/{session_id}` (WS_TOKEN_PARAM, WS_LAST_EVENT_ID_PARAM, WS_SAMPLE_RATE_PARAM). */
export const WS_PARAMS = { token: 'token', lastEventId: 'last_event_id', sampleRate: 'sample_rate' } as const satisfies WsParams;

/** Fills `:name` placeholders, encoded. */
export function routePath(path: string, params: Record<string, string> = {}): string {
  return path.replace(/:([a-z_]+)/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
}
