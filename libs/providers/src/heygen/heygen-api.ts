import { ProviderError } from '../provider-error';
import { RetryRule, VendorHttp } from '../http/vendor-http';
import { classifyHeygen, HeygenEnvelope } from './heygen-codes';

export const HEYGEN_PROVIDER = 'heygen';

/** `streaming.new` as HeyGen's StreamingAvatar SDK sends it for the LiveKit (v2) transport. */
export interface HeygenNewSessionBody {
  quality: string;
  avatar_id: string;
  voice?: { voice_id: string };
  version: 'v2';
  video_encoding: 'H264' | 'VP8';
}

export interface HeygenNewSession {
  session_id: string;
  /** The LiveKit server the user's client joins. */
  url: string;
  /** The user's LiveKit access token. */
  access_token: string;
  session_duration_limit?: number;
  is_paid?: boolean;
}

export interface HeygenTask {
  task_id: string;
  duration_ms?: number;
}

export interface HeygenActiveSession {
  session_id: string;
  status: string;
  /** Unix seconds. */
  created_at?: number;
}

export interface HeygenStreamingAvatar {
  avatar_id: string;
  pose_name?: string;
  normal_preview?: string;
  status?: string;
  is_public?: boolean;
}

export interface HeygenVoice {
  voice_id: string;
  name?: string;
  language?: string;
  gender?: string;
  preview_audio?: string;
}

/**
 * HeyGen's legacy interactive-avatar REST API (`/v1/streaming.*`) and the two lists the
 * catalog needs. Auth is the account key in `x-api-key`; v1 answers are `{code, message,
 * data}` with code 100 for success, and HeyGen's own codes are read by classifyHeygen.
 */
export class HeygenApi {
  private readonly base: string;

  constructor(
    private readonly http: VendorHttp,
    apiUrl: string,
    private readonly rule: RetryRule,
  ) {
    this.base = apiUrl.replace(/\/+$/, '');
  }

  async newSession(apiKey: string, body: HeygenNewSessionBody): Promise<HeygenNewSession> {
    const data = await this.post<Partial<HeygenNewSession>>(apiKey, '/v1/streaming.new', body);
    if (!data?.session_id || !data.url || !data.access_token) throw malformed('streaming.new', 'data.session_id, url and access_token');
    return data as HeygenNewSession;
  }

  async startSession(apiKey: string, sessionId: string): Promise<void> {
    await this.post(apiKey, '/v1/streaming.start', { session_id: sessionId });
  }

  /** A `repeat` task says the text as given; `sync` mode runs it in turn (HeyGen answers with its duration). */
  async task(apiKey: string, sessionId: string, text: string, signal?: AbortSignal): Promise<HeygenTask> {
    const data = await this.post<Partial<HeygenTask>>(apiKey, '/v1/streaming.task', { session_id: sessionId, text, task_type: 'repeat', task_mode: 'sync' }, signal);
    if (!data?.task_id) throw malformed('streaming.task', 'data.task_id');
    return data as HeygenTask;
  }

  async interrupt(apiKey: string, sessionId: string): Promise<void> {
    await this.post(apiKey, '/v1/streaming.interrupt', { session_id: sessionId });
  }

  /**
   * `streaming.start_listening` / `streaming.stop_listening {session_id}`: the avatar's
   * attentive idle pose while the user talks (HeyGen's StreamingAvatar SDK
   * startListening/stopListening call exactly these).
   */
  async setListening(apiKey: string, sessionId: string, listening: boolean): Promise<void> {
    await this.post(apiKey, listening ? '/v1/streaming.start_listening' : '/v1/streaming.stop_listening', { session_id: sessionId });
  }

  async keepAlive(apiKey: string, sessionId: string): Promise<void> {
    await this.post(apiKey, '/v1/streaming.keep_alive', { session_id: sessionId });
  }

  async stopSession(apiKey: string, sessionId: string): Promise<void> {
    await this.post(apiKey, '/v1/streaming.stop', { session_id: sessionId });
  }

  /** `GET /v1/streaming.list`: the account's open sessions. */
  async listSessions(apiKey: string): Promise<HeygenActiveSession[]> {
    const data = await this.get<{ sessions?: HeygenActiveSession[] }>(apiKey, '/v1/streaming.list');
    return data?.sessions ?? [];
  }

  /** `GET /v1/streaming/avatar.list`: public and custom interactive avatars. */
  async listAvatars(apiKey: string): Promise<HeygenStreamingAvatar[]> {
    const data = await this.get<HeygenStreamingAvatar[]>(apiKey, '/v1/streaming/avatar.list');
    return Array.isArray(data) ? data : [];
  }

  /** `GET /v2/voices` (a v2 answer: `{error, data: {voices}}`). */
  async listVoices(apiKey: string): Promise<HeygenVoice[]> {
    const data = await this.get<{ voices?: HeygenVoice[] }>(apiKey, '/v2/voices');
    return data?.voices ?? [];
  }

  private async post<T>(apiKey: string, path: string, json: unknown, signal?: AbortSignal): Promise<T | undefined> {
    const { body } = await this.http.request<HeygenEnvelope<T>>({
      method: 'POST',
      url: `${this.base}${path}`,
      headers: { 'x-api-key': apiKey },
      json,
      rule: this.rule,
      classify: classifyHeygen,
      signal,
    });
    return body?.data;
  }

  private async get<T>(apiKey: string, path: string): Promise<T | undefined> {
    const { body } = await this.http.request<HeygenEnvelope<T>>({
      method: 'GET',
      url: `${this.base}${path}`,
      headers: { 'x-api-key': apiKey },
      rule: this.rule,
      classify: classifyHeygen,
    });
    return body?.data;
  }
}

function malformed(call: string, expected: string): ProviderError {
  return new ProviderError(`${HEYGEN_PROVIDER}: ${call} answered without ${expected}`, { kind: 'rejected', provider: HEYGEN_PROVIDER });
}
