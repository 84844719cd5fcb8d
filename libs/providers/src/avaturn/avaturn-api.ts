import type { ProviderFailureKind } from '@avatar/contracts';
import type { ConversationEngine } from '../avatar-provider';
import { ProviderError } from '../provider-error';
import { RetryRule, VendorHttp } from '../http/vendor-http';

export const AVATURN_PROVIDER = 'avaturn';

export interface AvaturnCreatedSession {
  session_id: string;
  token: string;
}

export interface AvaturnCreateBody {
  avatar_id?: string;
  conversation_engine?: ConversationEngine;
}

/**
 * Avaturn Live's REST API (docs.avaturn.live/api-reference): create a session, give
 * the avatar a line to say, terminate. Errors are FastAPI style `{detail}`.
 */
export class AvaturnApi {
  private readonly base: string;

  constructor(
    private readonly http: VendorHttp,
    apiUrl: string,
    private readonly rule: RetryRule,
  ) {
    this.base = apiUrl.replace(/\/+$/, '');
  }

  /** `POST /api/v1/sessions` → `{session_id, token}` (the token is for Avaturn's web SDK). */
  async createSession(apiKey: string, body: AvaturnCreateBody): Promise<AvaturnCreatedSession> {
    const { body: answer } = await this.http.request<Partial<AvaturnCreatedSession>>({
      method: 'POST',
      url: `${this.base}/api/v1/sessions`,
      headers: auth(apiKey),
      json: Object.keys(body).length > 0 ? body : undefined,
      rule: this.rule,
      classify: classifyCreate,
    });
    if (!answer?.session_id || !answer.token) throw malformed('POST /api/v1/sessions', 'session_id and token');
    return { session_id: answer.session_id, token: answer.token };
  }

  /** `POST /api/v1/sessions/{id}/tasks {text}` → `{task_id}`; the vendor queues it behind what the avatar is saying. */
  async say(apiKey: string, sessionId: string, text: string, signal?: AbortSignal): Promise<string> {
    const { body: answer } = await this.http.request<{ task_id?: string }>({
      method: 'POST',
      url: `${this.sessionUrl(sessionId)}/tasks`,
      headers: auth(apiKey),
      json: { text },
      rule: this.rule,
      classify: classifySessionCall,
      signal,
    });
    if (!answer?.task_id) throw malformed('POST /api/v1/sessions/{id}/tasks', 'task_id');
    return answer.task_id;
  }

  /** `DELETE /api/v1/sessions/{id}`; false when the vendor no longer knows the session (already ended). */
  async terminate(apiKey: string, sessionId: string): Promise<boolean> {
    try {
      await this.http.request({ method: 'DELETE', url: this.sessionUrl(sessionId), headers: auth(apiKey), rule: this.rule, classify: classifySessionCall });
      return true;
    } catch (err) {
      if (err instanceof ProviderError && err.kind === 'session_ended') return false;
      throw err;
    }
  }

  private sessionUrl(sessionId: string): string {
    return `${this.base}/api/v1/sessions/${encodeURIComponent(sessionId)}`;
  }
}

function auth(apiKey: string): Record<string, string> {
  return { authorization: `Bearer ${apiKey}` };
}

/** 410 Gone: "avatar_id no longer exists" (docs.avaturn.live/api-reference/introduction). */
export function classifyCreate(status: number): ProviderFailureKind | undefined {
  return status === 410 ? 'unknown_avatar' : undefined;
}

/** On a session's own URL a 404 means the vendor ended it (user_absent_timeout, max_duration) or never had it. */
export function classifySessionCall(status: number): ProviderFailureKind | undefined {
  return status === 404 || status === 410 ? 'session_ended' : undefined;
}

function malformed(call: string, expected: string): ProviderError {
  return new ProviderError(`${AVATURN_PROVIDER}: ${call} answered without ${expected}`, { kind: 'rejected', provider: AVATURN_PROVIDER });
}
