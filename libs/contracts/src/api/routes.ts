import { z } from 'zod';
import { CreateSessionRequest, CreateSessionResponse, InterruptResponse, ListSessionsQuery, ListSessionsResponse, SessionHistoryResponse, SessionIdParam, SessionIdRequest, SessionTokenResponse, StartSessionRequest, StartSessionResponse, StopSessionResponse } from './streaming.dto';
import { UsageQuery, UsageResponse } from './usage.dto';
import { AvatarsResponse, CatalogQuery, ListProvidersResponse, VoicesResponse } from './catalog.dto';
import { SpeakRequest, SpeakResponse, TaskIdParam, TaskResponse } from './speech.dto';
import { ChatCompletionRequest, ChatCompletionResponse } from './chat.dto';
import { ErrorCode } from '../errors/error-codes';
import type { ApiKeyScope } from '../tenancy/api-key-scopes';

/**
 * The public `/v1` routes: paths for the controllers and, with their schemas, the
 * source of the OpenAPI document. A route is declared here once.
 */
export interface RouteContract {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Path relative to `/v1`, in Nest/Fastify form (`:param`). */
  path: string;
  summary: string;
  body?: z.ZodType;
  query?: z.ZodType;
  params?: z.ZodType;
  response: z.ZodType;
  errors: ErrorCode[];
  /** The API key scope the route needs (403 FORBIDDEN without it); admin routes have none (ADMIN_TOKEN). */
  scope?: ApiKeyScope;
  /** Answered with this status on success (200 when absent). */
  status?: 200 | 201 | 202 | 204;
  /** Other content types the route can answer (e.g. text/csv). */
  alsoProduces?: string[];
}

/** The public API and the admin API are separate route tables with separate credentials. */
export interface RouteTable {
  prefix: string;
  security: 'apiKey' | 'adminToken';
  /**
   * Put before each route's key to make its OpenAPI operationId (`admin` + `createTenant`
   * = `adminCreateTenant`), so ids stay unique across tables; none for `/v1`, whose
   * operationIds are the route keys themselves (SDKs name their models after them).
   */
  operationIdPrefix?: string;
  routes: Record<string, RouteContract>;
}

export const API_PREFIX = 'v1';
export const ADMIN_PREFIX = 'admin/v1';

/** What any route with a JSON body can answer before it is read: too large, not JSON, sent too slowly. */
const BODY_ERRORS = ['PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'REQUEST_TIMEOUT'] as const satisfies ErrorCode[];
/** What any authenticated route can answer: no valid key, or a key without the route's scope. */
const AUTH_ERRORS = ['UNAUTHORIZED', 'FORBIDDEN'] as const satisfies ErrorCode[];

/** What opening a vendor session can answer (docs/providers.md "Errors"). */
const PROVIDER_ERRORS = [
  'PROVIDER_ERROR', 'PROVIDER_NOT_CONFIGURED', 'PROVIDER_AUTH_FAILED', 'PROVIDER_UNKNOWN_AVATAR', 'PROVIDER_QUOTA_EXCEEDED',
  'PROVIDER_CAPACITY', 'PROVIDER_RATE_LIMITED', 'PROVIDER_TIMEOUT', 'PROVIDER_UNAVAILABLE',
] as const satisfies ErrorCode[];

/** What the chat engine (an OpenAI-compatible API) can answer before the reply starts streaming. */
const CHAT_ENGINE_ERRORS = ['PROVIDER_ERROR', 'PROVIDER_AUTH_FAILED', 'PROVIDER_RATE_LIMITED', 'PROVIDER_TIMEOUT', 'PROVIDER_UNAVAILABLE', 'PROVIDER_QUOTA_EXCEEDED'] as const satisfies ErrorCode[];

export const V1_ROUTES = {
  createSession: {
    method: 'POST', path: 'streaming.new', summary: 'Create a session and the token its frontend connects with',
    body: CreateSessionRequest, response: CreateSessionResponse, errors: ['VALIDATION_ERROR', ...AUTH_ERRORS, 'PROVIDER_NOT_CONFIGURED', 'QUOTA_EXCEEDED', 'RATE_LIMITED', 'SERVICE_UNAVAILABLE', ...BODY_ERRORS],
    scope: 'sessions:write',
  },
  startSession: {
    method: 'POST', path: 'streaming.start', summary: 'Start the session on its provider; billing starts',
    body: StartSessionRequest, response: StartSessionResponse,
    errors: ['VALIDATION_ERROR', ...AUTH_ERRORS, 'QUOTA_EXCEEDED', 'SESSION_NOT_FOUND', 'SESSION_NOT_ACTIVE', ...PROVIDER_ERRORS, 'SERVICE_UNAVAILABLE', ...BODY_ERRORS],
    scope: 'sessions:write',
  },
  stopSession: {
    method: 'POST', path: 'streaming.stop', summary: 'Stop the session; answers the billed duration (repeatable)',
    body: SessionIdRequest, response: StopSessionResponse, errors: ['VALIDATION_ERROR', ...AUTH_ERRORS, 'SESSION_NOT_FOUND', ...BODY_ERRORS],
    scope: 'sessions:write',
  },
  sessionToken: {
    method: 'POST', path: 'streaming.token', summary: 'A fresh WebSocket token for a live (created or active) session',
    body: SessionIdRequest, response: SessionTokenResponse, errors: ['VALIDATION_ERROR', ...AUTH_ERRORS, 'SESSION_NOT_FOUND', 'SESSION_NOT_ACTIVE', ...BODY_ERRORS],
    scope: 'sessions:write',
  },
  listSessions: {
    method: 'GET', path: 'streaming.sessions', summary: "The tenant's sessions: filtered by status, provider and creation time, sorted, a page at a time (cursor)",
    query: ListSessionsQuery, response: ListSessionsResponse, errors: ['VALIDATION_ERROR', ...AUTH_ERRORS],
    scope: 'sessions:read',
  },
  speak: {
    method: 'POST', path: 'avatar.speak', summary: 'Queue text for the avatar to speak, in order',
    body: SpeakRequest, response: SpeakResponse, errors: ['VALIDATION_ERROR', ...AUTH_ERRORS, 'QUOTA_EXCEEDED', 'SESSION_NOT_FOUND', 'SESSION_NOT_ACTIVE', 'RATE_LIMITED', 'SERVICE_UNAVAILABLE', ...BODY_ERRORS],
    scope: 'sessions:write',
  },
  chatCompletion: {
    method: 'POST', path: 'chat.completions',
    summary: 'Send the user’s turn to the conversation engine: the reply streams back (SSE with stream: true) and the avatar speaks it sentence by sentence as it comes',
    body: ChatCompletionRequest, response: ChatCompletionResponse, alsoProduces: ['text/event-stream'],
    errors: ['VALIDATION_ERROR', ...AUTH_ERRORS, 'SESSION_NOT_FOUND', 'SESSION_NOT_ACTIVE', 'QUOTA_EXCEEDED', 'RATE_LIMITED', ...CHAT_ENGINE_ERRORS, 'SERVICE_UNAVAILABLE', ...BODY_ERRORS],
    scope: 'sessions:write',
  },
  interrupt: {
    method: 'POST', path: 'streaming.interrupt', summary: 'Stop the speaking task and drop the queued ones',
    body: SessionIdRequest, response: InterruptResponse, errors: ['VALIDATION_ERROR', ...AUTH_ERRORS, 'SESSION_NOT_FOUND', 'SESSION_NOT_ACTIVE', 'SERVICE_UNAVAILABLE', ...BODY_ERRORS],
    scope: 'sessions:write',
  },
  getTask: {
    method: 'GET', path: 'tasks/:task_id', summary: 'A speech task: status, timings, error',
    params: TaskIdParam, response: TaskResponse, errors: ['VALIDATION_ERROR', ...AUTH_ERRORS, 'TASK_NOT_FOUND'],
    scope: 'sessions:read',
  },
  getSession: {
    method: 'GET', path: 'sessions/:session_id', summary: 'One session with its tasks and its event history (for dashboards and support)',
    params: SessionIdParam, response: SessionHistoryResponse, errors: ['VALIDATION_ERROR', ...AUTH_ERRORS, 'SESSION_NOT_FOUND'],
    scope: 'sessions:read',
  },
  usage: {
    method: 'GET', path: 'usage', summary: "The tenant's usage over a range, grouped by UTC day, provider or avatar (JSON or CSV)",
    query: UsageQuery, response: UsageResponse, alsoProduces: ['text/csv'], errors: ['VALIDATION_ERROR', ...AUTH_ERRORS],
    scope: 'usage:read',
  },
  listProviders: {
    method: 'GET', path: 'providers', summary: 'The providers, and whether each is available to this tenant (credentials stored or configured)',
    response: ListProvidersResponse, errors: [...AUTH_ERRORS],
    scope: 'sessions:read',
  },
  listAvatars: {
    method: 'GET', path: 'avatars', summary: "The avatars of every available provider, in one list (cached); a vendor whose list failed is named in `unavailable`",
    query: CatalogQuery, response: AvatarsResponse, errors: ['VALIDATION_ERROR', ...AUTH_ERRORS],
    scope: 'sessions:read',
  },
  listVoices: {
    method: 'GET', path: 'voices', summary: "The voices of every available provider, in one list (cached); a vendor whose list failed is named in `unavailable`",
    query: CatalogQuery, response: VoicesResponse, errors: ['VALIDATION_ERROR', ...AUTH_ERRORS],
    scope: 'sessions:read',
  },
} as const satisfies Record<string, RouteContract & { scope: ApiKeyScope }>;
