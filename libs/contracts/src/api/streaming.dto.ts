import { z } from 'zod';
import { ConversationMessage } from './chat.dto';
import { entityId, safeText } from './fields';
import { TASK_STATUSES } from './speech.dto';

/** Request and response shapes of the public `/v1` streaming API (HeyGen-style). */

export const QUALITIES = ['low', 'medium', 'high'] as const;
export const SESSION_STATUSES = ['created', 'active', 'stopped'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];
/** The providers the platform has adapters for (docs/providers.md). */
export const PROVIDER_NAMES = ['local', 'avaturn', 'liveavatar', 'heygen', 'spatialwalk'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

const sessionId = entityId('session_id');

/**
 * Vendors stream through their own SDK (provider_session in streaming.start's answer)
 * and take no SDP offer: HeyGen's raw-WebRTC flow, where it did, ended in February 2025.
 * The local provider sends media over the platform's WebSocket and ignores an offer.
 */
export const SDP_FREE_PROVIDERS: readonly ProviderName[] = ['avaturn', 'liveavatar', 'heygen', 'spatialwalk'];

/** The providers whose vendor takes a conversation engine (passed through at start). */
export const CONVERSATION_ENGINE_PROVIDERS: readonly ProviderName[] = ['avaturn'];

/**
 * Avaturn's conversation engine (docs/providers.md): the vendor runs the conversation
 * itself with this engine. Its secret is handed to the vendor at streaming.start and
 * not kept after.
 */
export const ConversationEngine = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('openai-realtime'), client_secret: safeText().min(1).max(4096) }),
  z.strictObject({ type: z.literal('cartesia'), access_token: safeText().min(1).max(4096), agent_id: safeText().min(1).max(256) }),
]);
export type ConversationEngine = z.infer<typeof ConversationEngine>;

export const CreateSessionRequest = z
  .strictObject({
    quality: z.enum(QUALITIES).default('medium'),
    avatar_id: safeText().min(1).max(128).optional(),
    voice_id: safeText().min(1).max(128).optional(),
    provider: z.enum(PROVIDER_NAMES).optional(),
    /** Only for providers that run a conversation themselves (avaturn); others answer 400 VALIDATION_ERROR. */
    conversation_engine: ConversationEngine.optional(),
    /** Seconds without a task or a watching client before the session ends (default SESSION_IDLE_TIMEOUT_SECONDS, 120). */
    idle_timeout: z.number().int().min(30).max(3600).optional(),
    /** Longest the session may run, in seconds; the platform's SESSION_MAX_DURATION_SECONDS (1 h) caps it. */
    max_duration: z.number().int().min(1).max(86_400).optional(),
  })
  .default({ quality: 'medium' });
export type CreateSessionRequest = z.infer<typeof CreateSessionRequest>;

export const IceServer = z.object({ urls: z.union([z.string(), z.array(z.string())]), username: z.string().optional(), credential: z.string().optional() });
export type IceServer = z.infer<typeof IceServer>;

export const CreateSessionResponse = z.object({
  session_id: z.uuid(),
  ice_servers: z.array(IceServer),
  /** Session token for the WebSocket: signed, expiring, bound to this session. */
  access_token: z.string(),
});
export type CreateSessionResponse = z.infer<typeof CreateSessionResponse>;

export const SessionDescription = z.strictObject({ type: z.enum(['offer', 'answer']), sdp: safeText().min(1) });
export type SessionDescription = z.infer<typeof SessionDescription>;

export const StartSessionRequest = z.strictObject({ session_id: sessionId, sdp: SessionDescription.optional() });
export type StartSessionRequest = z.infer<typeof StartSessionRequest>;
export const StartSessionResponse = z.object({
  status: z.literal('started'),
  sdp: SessionDescription.optional(),
  /** The provider that serves the session: the requested one, or the next of the tenant's failover list. */
  provider: z.string().optional(),
  /** What the frontend needs from the vendor to show its stream (Avaturn: `token` for its web SDK; HeyGen: `url`, `access_token`). */
  provider_session: z.record(z.string(), z.string()).optional(),
  /** Providers tried first that failed, in order (a failover happened). */
  failed_over: z.array(z.object({ provider: z.string(), code: z.string(), message: z.string() })).optional(),
});
export type StartSessionResponse = z.infer<typeof StartSessionResponse>;

export const SessionIdRequest = z.strictObject({ session_id: sessionId });
export type SessionIdRequest = z.infer<typeof SessionIdRequest>;

export const SessionTokenResponse = z.object({
  /** A fresh session token for the WebSocket: signed, expiring, bound to this session. */
  access_token: z.string(),
  /** Seconds until it expires. */
  expires_in: z.number().int(),
});
export type SessionTokenResponse = z.infer<typeof SessionTokenResponse>;

export const StopSessionResponse = z.object({
  status: z.literal('stopped'),
  /** Seconds the session streamed (start to stop), to the millisecond. */
  duration: z.number(),
  /** What the tenant's billing rule makes of the duration: whole seconds, rounded up (and any minimum charge). */
  billed_seconds: z.number().int(),
});
export type StopSessionResponse = z.infer<typeof StopSessionResponse>;

export const InterruptResponse = z.object({ status: z.literal('interrupted'), interrupted_task_ids: z.array(z.uuid()) });
export type InterruptResponse = z.infer<typeof InterruptResponse>;

/** The deepest page `GET /v1/sessions` serves by offset. */
export const LIST_SESSIONS_MAX_OFFSET = 10_000;

/** A moment in a query: an ISO date (its UTC midnight) or an ISO date-time with an offset (Z or ±hh:mm). */
export const isoInstant = () =>
  z
    .union([z.iso.date(), z.iso.datetime({ offset: true })], { message: 'must be an ISO date (2026-03-01) or date-time (2026-03-01T12:00:00Z)' })
    .transform((value) => new Date(value.length === 10 ? `${value}T00:00:00Z` : value));

/**
 * The session list's cursor: opaque to clients (base64url of the last row's created_at
 * and id: the list's keyset), so its form can change. One that does not decode is a 400.
 */
export const sessionCursor = {
  encode(position: { createdAt: Date; id: string }): string {
    return Buffer.from(`${position.createdAt.toISOString()}|${position.id}`, 'utf8').toString('base64url');
  },
  decode(cursor: string): { createdAt: Date; id: string } | null {
    const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/.exec(
      Buffer.from(cursor, 'base64url').toString('utf8'),
    );
    const createdAt = match ? new Date(match[1]) : null;
    return match && createdAt && !Number.isNaN(createdAt.getTime()) ? { createdAt, id: match[2] } : null;
  },
};

export const LIST_SESSIONS_SORTS = ['created_at', '-created_at'] as const;

export const ListSessionsQuery = z
  .strictObject({
    status: z.enum(SESSION_STATUSES).optional(),
    provider: z.enum(PROVIDER_NAMES).optional(),
    /** Sessions created at or after this moment. */
    from: isoInstant().optional(),
    /** Sessions created before this moment. */
    to: isoInstant().optional(),
    /** created_at: oldest first; -created_at (default): newest first. */
    sort: z.enum(LIST_SESSIONS_SORTS).default('-created_at'),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    /** next_cursor of the previous page: the page after it, in the same sort. */
    cursor: z
      .string()
      .max(200)
      .transform((cursor, ctx) => {
        const position = sessionCursor.decode(cursor);
        if (!position) ctx.addIssue({ code: 'custom', message: 'not a cursor this API issued' });
        return position ?? z.NEVER;
      })
      .optional(),
    // Bounded like every input: a deeper offset makes the database walk that many rows.
    // Kept for existing clients; a cursor pages any depth at the same cost.
    offset: z.coerce.number().int().min(0).max(LIST_SESSIONS_MAX_OFFSET).default(0),
  })
  .refine((q) => !q.from || !q.to || q.to > q.from, { message: 'must be after from', path: ['to'] });
export type ListSessionsQuery = z.infer<typeof ListSessionsQuery>;

export const SessionSummary = z.object({
  session_id: z.uuid(),
  status: z.enum(SESSION_STATUSES),
  provider: z.string(),
  created_at: z.iso.datetime(),
  started_at: z.iso.datetime().nullable(),
  ended_at: z.iso.datetime().nullable(),
  /** Seconds: so far for an active session, final for a stopped one. */
  duration: z.number(),
  /** Why a stopped session ended: client_stop, idle_timeout, max_duration, reaped, tenant_disabled or quota_exhausted; null while it runs. */
  end_reason: z.string().nullable(),
  /** Whole seconds billed, fixed when it ended; null while it runs. */
  billed_seconds: z.number().int().nullable(),
});
export type SessionSummary = z.infer<typeof SessionSummary>;

export const ListSessionsResponse = z.object({
  sessions: z.array(SessionSummary),
  /** Sessions matching the filters, on every page. */
  total: z.number().int(),
  /** Pass as `cursor` for the next page; null on the last one. */
  next_cursor: z.string().nullable(),
});
export type ListSessionsResponse = z.infer<typeof ListSessionsResponse>;

export const SessionIdParam = z.strictObject({ session_id: sessionId });
export type SessionIdParam = z.infer<typeof SessionIdParam>;

/** How many of a session's tasks, and of its events, GET /v1/sessions/{id} answers at most (the latest ones). */
export const SESSION_HISTORY_MAX_TASKS = 1000;
export const SESSION_HISTORY_MAX_EVENTS = 1000;
/** Conversation messages a session's history shows (the latest). */
export const SESSION_HISTORY_MAX_MESSAGES = 200;

export const SessionHistoryTask = z.object({
  task_id: z.uuid(),
  /** Its place in the session's speaking order. */
  seq: z.number().int(),
  status: z.enum(TASK_STATUSES),
  text: z.string(),
  duration_estimate: z.number(),
  /** Seconds its last attempt spoke; null until it ends (0 if it never spoke). */
  spoken_seconds: z.number().nullable(),
  attempts: z.number().int(),
  created_at: z.iso.datetime(),
  started_at: z.iso.datetime().nullable(),
  ended_at: z.iso.datetime().nullable(),
  error: z.string().nullable(),
});

export const SessionHistoryEvent = z.object({
  /** The event id clients saw on the WebSocket (its stream sequence). */
  id: z.number().int(),
  type: z.string(),
  task_id: z.string().nullable(),
  created_at: z.iso.datetime(),
  /** The event's fields besides its type, as clients received them. */
  payload: z.record(z.string(), z.unknown()),
});

export const SessionHistoryResponse = SessionSummary.extend({
  avatar_id: z.string(),
  voice_id: z.string().nullable(),
  quality: z.string(),
  tasks: z.array(SessionHistoryTask),
  /** Earlier tasks were left out (more than SESSION_HISTORY_MAX_TASKS). */
  tasks_truncated: z.boolean(),
  /** Lifecycle events in stream order (media frames are never recorded). */
  events: z.array(SessionHistoryEvent),
  /** Earlier events were left out (more than SESSION_HISTORY_MAX_EVENTS). */
  events_truncated: z.boolean(),
  /** The session's conversation (chat.completions), oldest first: the last SESSION_HISTORY_MAX_MESSAGES of it. */
  conversation: z.array(ConversationMessage),
});
export type SessionHistoryResponse = z.infer<typeof SessionHistoryResponse>;
