import { z } from 'zod';

/** Request and response shapes of the public `/v1` streaming API (HeyGen-style). */

export const QUALITIES = ['low', 'medium', 'high'] as const;
export const PROVIDER_NAMES = ['local'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

const sessionId = z.uuid({ message: 'session_id must be a UUID' });

export const CreateSessionRequest = z
  .strictObject({
    quality: z.enum(QUALITIES).default('medium'),
    avatar_id: z.string().min(1).max(128).optional(),
    voice_id: z.string().min(1).max(128).optional(),
    provider: z.enum(PROVIDER_NAMES).optional(),
  })
  .default({ quality: 'medium' });
export type CreateSessionRequest = z.infer<typeof CreateSessionRequest>;

export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}
export interface CreateSessionResponse {
  session_id: string;
  ice_servers: IceServer[];
  access_token: string;
}

export const SessionDescription = z.strictObject({ type: z.enum(['offer', 'answer']), sdp: z.string().min(1) });
export type SessionDescription = z.infer<typeof SessionDescription>;

export const StartSessionRequest = z.strictObject({ session_id: sessionId, sdp: SessionDescription.optional() });
export type StartSessionRequest = z.infer<typeof StartSessionRequest>;
export interface StartSessionResponse {
  status: 'started';
  sdp?: SessionDescription;
}

export const SessionIdRequest = z.strictObject({ session_id: sessionId });
export type SessionIdRequest = z.infer<typeof SessionIdRequest>;

export interface StopSessionResponse {
  status: 'stopped';
  /** Seconds the session streamed (start to stop), the figure billed. */
  duration: number;
}

export interface InterruptResponse {
  status: 'interrupted';
  interrupted_task_ids: string[];
}

export const ListSessionsQuery = z.strictObject({
  status: z.enum(['created', 'active', 'stopped']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});
export type ListSessionsQuery = z.infer<typeof ListSessionsQuery>;

export type SessionStatus = 'created' | 'active' | 'stopped';
export interface SessionSummary {
  session_id: string;
  status: SessionStatus;
  provider: string;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  /** Seconds: so far for an active session, final for a stopped one. */
  duration: number;
}
export interface ListSessionsResponse {
  sessions: SessionSummary[];
  total: number;
}
