import { z } from 'zod';
import { entityId, safeText } from './fields';

/** Request and response shapes of the public `/v1` streaming API (HeyGen-style). */

export const QUALITIES = ['low', 'medium', 'high'] as const;
export const SESSION_STATUSES = ['created', 'active', 'stopped'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];
export const PROVIDER_NAMES = ['local'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

const sessionId = entityId('session_id');

export const CreateSessionRequest = z
  .strictObject({
    quality: z.enum(QUALITIES).default('medium'),
    avatar_id: safeText().min(1).max(128).optional(),
    voice_id: safeText().min(1).max(128).optional(),
    provider: z.enum(PROVIDER_NAMES).optional(),
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
export const StartSessionResponse = z.object({ status: z.literal('started'), sdp: SessionDescription.optional() });
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
  /** Seconds the session streamed (start to stop), the figure billed. */
  duration: z.number(),
});
export type StopSessionResponse = z.infer<typeof StopSessionResponse>;

export const InterruptResponse = z.object({ status: z.literal('interrupted'), interrupted_task_ids: z.array(z.uuid()) });
export type InterruptResponse = z.infer<typeof InterruptResponse>;

/** The deepest page `GET /v1/sessions` serves by offset. */
export const LIST_SESSIONS_MAX_OFFSET = 10_000;

export const ListSessionsQuery = z.strictObject({
  status: z.enum(SESSION_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  // Bounded like every input: a deeper offset makes the database walk that many rows.
  offset: z.coerce.number().int().min(0).max(LIST_SESSIONS_MAX_OFFSET).default(0),
});
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
  /** Why a stopped session ended: client_stop, idle_timeout, max_duration or reaped; null while it runs. */
  end_reason: z.string().nullable(),
});
export type SessionSummary = z.infer<typeof SessionSummary>;

export const ListSessionsResponse = z.object({ sessions: z.array(SessionSummary), total: z.number().int() });
export type ListSessionsResponse = z.infer<typeof ListSessionsResponse>;
