import type { ApiKeyScope } from '../tenancy/api-key-scopes';
import type { ErrorCode } from '../errors/error-codes';
import { CompatCreateSessionRequest, CompatCreateSessionResponse, CompatTaskRequest, CompatTaskResponse } from './compat.dto';
import { RouteContract, RouteTable, V1_ROUTES } from './routes';
import { SessionIdParam, StopSessionResponse } from './streaming.dto';

// The compat API's shapes come with its routes (one export line in the package index).
export * from './compat.dto';

/** The Avaturn-compatible API lives where Avaturn Live's does: a client changes only its base URL. */
export const COMPAT_PREFIX = 'api/v1';

/** Each compat call is one or two /v1 calls: it can answer what they answer (a session it just made cannot be missing). */
const errorsOf = (...routes: RouteContract[]): ErrorCode[] => [...new Set(routes.flatMap((route) => route.errors))];

/**
 * The Avaturn-compatible routes (README "Avaturn-compatible API"): same tenant API key
 * (Authorization: Bearer), same scopes and rate limits as the /v1 calls they equal.
 */
export const COMPAT_ROUTES = {
  createSession: {
    method: 'POST', path: 'sessions', summary: 'Avaturn-compatible: create and start a session at once (streaming.new + streaming.start); the token opens the WebSocket',
    body: CompatCreateSessionRequest, response: CompatCreateSessionResponse,
    errors: errorsOf(V1_ROUTES.createSession, V1_ROUTES.startSession).filter((code) => code !== 'SESSION_NOT_FOUND'),
    scope: V1_ROUTES.createSession.scope,
  },
  createTask: {
    method: 'POST', path: 'sessions/:session_id/tasks', summary: 'Avaturn-compatible: queue text for the avatar to say, in order (avatar.speak)',
    params: SessionIdParam, body: CompatTaskRequest, response: CompatTaskResponse, errors: errorsOf(V1_ROUTES.speak),
    scope: V1_ROUTES.speak.scope,
  },
  deleteSession: {
    method: 'DELETE', path: 'sessions/:session_id', summary: 'Avaturn-compatible: stop the session; answers the billed duration (streaming.stop, repeatable)',
    params: SessionIdParam, response: StopSessionResponse, errors: errorsOf(V1_ROUTES.stopSession),
    scope: V1_ROUTES.stopSession.scope,
  },
} as const satisfies Record<string, RouteContract & { scope: ApiKeyScope }>;

export const COMPAT_ROUTE_TABLE: RouteTable = { prefix: COMPAT_PREFIX, security: 'apiKey', operationIdPrefix: 'avaturn', routes: COMPAT_ROUTES };
