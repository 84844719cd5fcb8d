import { ProviderError } from '../provider-error';
import { RetryRule, VendorHttp } from '../http/vendor-http';
import { classifyLiveAvatarFailure, meansAlreadyStopped } from './liveavatar-failures';
import { AvatarData, LiveAvatarEnvelope, PageData, SessionTokenData, StartedSessionData } from './liveavatar-wire';

export const LIVEAVATAR_PROVIDER = 'liveavatar';

export interface LiveAvatarApiOptions {
  /** Base URL, e.g. `https://api.liveavatar.com` (paths start with `/v1`). */
  apiUrl: string;
  rule: RetryRule;
  fetchImpl?: typeof fetch;
}

/** Stop by the session's own token (what start gave us), or by the account key and the session id. */
export type StopAuth = { sessionToken: string } | { apiKey: string };

export type StopOutcome = 'stopped' | 'already_stopped';

/** Lists are read at most this many pages deep (100 avatars a page). */
const MAX_PAGES = 20;
const PAGE_SIZE = 100;

/**
 * LiveAvatar's REST calls: session token, start, stop, avatar lists. Every call goes
 * through VendorHttp with the adapter's retry rule (the reference plugin's: 3 tries,
 * 2 s apart, 10 s each), so only failures that can pass (timeouts, dropped
 * connections, 5xx, 429) are tried again.
 */
export class LiveAvatarApi {
  private readonly http: VendorHttp;
  private readonly baseUrl: string;

  constructor(private readonly options: LiveAvatarApiOptions) {
    this.http = new VendorHttp(LIVEAVATAR_PROVIDER, options.fetchImpl);
    this.baseUrl = options.apiUrl.replace(/\/+$/, '');
  }

  /** `POST /v1/sessions/token` with the account key: the vendor's session id and the session's own token. */
  async createSessionToken(apiKey: string, body: Record<string, unknown>): Promise<SessionTokenData> {
    const { body: answer } = await this.http.request<LiveAvatarEnvelope<SessionTokenData>>({
      method: 'POST',
      url: `${this.baseUrl}/v1/sessions/token`,
      headers: { 'X-API-KEY': apiKey },
      json: body,
      rule: this.options.rule,
      classify: classifyLiveAvatarFailure,
    });
    const data = answer?.data;
    if (!data?.session_id || !data.session_token) throw malformed('POST /v1/sessions/token', 'session_id and session_token');
    return { session_id: data.session_id, session_token: data.session_token };
  }

  /** `POST /v1/sessions/start` with the session token: the vendor spins up the avatar and its room. */
  async startSession(sessionId: string, sessionToken: string): Promise<StartedSessionData> {
    const { body: answer } = await this.http.request<LiveAvatarEnvelope<StartedSessionData>>({
      method: 'POST',
      url: `${this.baseUrl}/v1/sessions/start`,
      headers: { Authorization: `Bearer ${sessionToken}` },
      json: { session_id: sessionId },
      rule: this.options.rule,
      classify: classifyLiveAvatarFailure,
    });
    const data = answer?.data;
    if (!data?.ws_url) throw malformed('POST /v1/sessions/start', 'ws_url');
    return data;
  }

  /**
   * `POST /v1/sessions/stop {session_id, reason}`. Idempotent: a session the vendor
   * already ended (or no longer knows) is stopped as far as we are concerned.
   */
  async stopSession(sessionId: string, auth: StopAuth, reason: string): Promise<StopOutcome> {
    let alreadyStopped = false;
    try {
      await this.http.request({
        method: 'POST',
        url: `${this.baseUrl}/v1/sessions/stop`,
        headers: 'sessionToken' in auth ? { Authorization: `Bearer ${auth.sessionToken}` } : { 'X-API-KEY': auth.apiKey },
        json: { session_id: sessionId, reason },
        rule: this.options.rule,
        classify: (status, body) => {
          alreadyStopped = meansAlreadyStopped(status, body);
          return classifyLiveAvatarFailure(status, body);
        },
      });
      return 'stopped';
    } catch (err) {
      if (alreadyStopped && err instanceof ProviderError) return 'already_stopped';
      throw err;
    }
  }

  /** The account's own avatars, then the public ones (`GET /v1/avatars`, `GET /v1/avatars/public`). */
  async listAvatars(apiKey: string): Promise<AvatarData[]> {
    const own = await this.listPages('/v1/avatars', apiKey);
    const pub = await this.listPages('/v1/avatars/public', apiKey);
    return [...own, ...pub];
  }

  private async listPages(path: string, apiKey: string): Promise<AvatarData[]> {
    const all: AvatarData[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const { body: answer } = await this.http.request<LiveAvatarEnvelope<PageData<AvatarData>>>({
        method: 'GET',
        url: `${this.baseUrl}${path}?page=${page}&page_size=${PAGE_SIZE}`,
        headers: { 'X-API-KEY': apiKey },
        rule: this.options.rule,
        classify: classifyLiveAvatarFailure,
      });
      const results = answer?.data?.results ?? [];
      all.push(...results);
      if (!answer?.data?.next || results.length === 0) break;
    }
    return all;
  }
}

function malformed(call: string, fields: string): ProviderError {
  return new ProviderError(`${LIVEAVATAR_PROVIDER}: ${call} answered without ${fields}`, { kind: 'rejected', provider: LIVEAVATAR_PROVIDER });
}
