import { AvatarApiError, AvatarSdkError, isErrorEnvelope } from './errors';
import { backoffDelay } from './backoff';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface HttpOptions {
  /** Base URL of the API, `/v1` included (e.g. http://localhost:8000/v1). */
  apiUrl: string;
  apiKey: string;
  /** Per request, for the answer's headers (ms). Default 30 s. */
  timeoutMs?: number;
  /** Retries of a request that failed on the way (network, 503, 429 RATE_LIMITED, 408). Default 2. */
  retries?: number;
  fetch?: FetchLike;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  signal?: AbortSignal;
  /** Return the raw Response once its status is 2xx (streams); no retry once sent. */
  raw?: boolean;
  accept?: string;
}

/** Statuses and codes worth another try: nothing happened, or the server asked to come back. */
const RETRYABLE_STATUSES = new Set([408, 503]);
const RETRYABLE_CODES = new Set(['RATE_LIMITED', 'SERVICE_UNAVAILABLE', 'REQUEST_TIMEOUT']);
/** Longest Retry-After the SDK waits on its own; a longer one is the caller's to decide. */
const MAX_RETRY_AFTER_SECONDS = 10;

/**
 * The API's HTTP client: bearer key, JSON both ways, the error envelope as AvatarApiError.
 * Every POST carries an Idempotency-Key, one per call and kept across its retries, so a
 * retry after a lost answer never creates a second session or task.
 */
export class HttpClient {
  private readonly base: string;
  private readonly fetch: FetchLike;
  private readonly timeoutMs: number;
  private readonly retries: number;

  constructor(private readonly options: HttpOptions) {
    this.base = options.apiUrl.replace(/\/+$/, '');
    const fetchImpl = options.fetch ?? (globalThis.fetch as FetchLike | undefined);
    if (!fetchImpl) throw new TypeError('@avatar/sdk: no fetch in this environment; pass options.fetch');
    this.fetch = (input, init) => fetchImpl(input, init);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retries = options.retries ?? 2;
  }

  async request<T>(method: 'GET' | 'POST', path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.send(method, path, options);
    if (options.raw) return response as T;
    if (response.status === 204) return undefined as T;
    return (await readJson(response)) as T;
  }

  private async send(method: 'GET' | 'POST', path: string, options: RequestOptions): Promise<Response> {
    const url = this.url(path, options.query);
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.apiKey}`, accept: options.accept ?? 'application/json' };
    if (method === 'POST') {
      headers['content-type'] = 'application/json';
      headers['idempotency-key'] = randomKey();
    }
    const attempts = options.raw ? 1 : this.retries + 1;
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      const timeout = new AbortController();
      const timer = setTimeout(() => timeout.abort(), this.timeoutMs);
      const signal = options.signal ? anySignal([options.signal, timeout.signal]) : timeout.signal;
      try {
        response = await this.fetch(url, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body), signal });
      } catch (error) {
        clearTimeout(timer);
        if (options.signal?.aborted) throw new AvatarSdkError('ABORTED', `${method} ${path} was aborted`, error);
        const failure = timeout.signal.aborted
          ? new AvatarSdkError('TIMEOUT', `${method} ${path}: no answer within ${this.timeoutMs} ms`, error)
          : new AvatarSdkError('NETWORK_ERROR', `${method} ${path}: ${(error as Error).message}`, error);
        if (attempt >= attempts) throw failure;
        await sleep(backoffDelay(attempt, { initialDelayMs: 200, maxDelayMs: 2_000, maxAttempts: attempts }));
        continue;
      }
      clearTimeout(timer);
      if (response.ok) return response;
      const error = await apiError(response);
      const retryable = RETRYABLE_STATUSES.has(response.status) || RETRYABLE_CODES.has(error.code);
      const wait = error.retryAfterSeconds;
      if (!retryable || attempt >= attempts || (wait !== undefined && wait > MAX_RETRY_AFTER_SECONDS)) throw error;
      await sleep(wait !== undefined ? wait * 1000 : backoffDelay(attempt, { initialDelayMs: 200, maxDelayMs: 2_000, maxAttempts: attempts }));
    }
  }

  private url(path: string, query?: Record<string, string | number | undefined>): string {
    const params = Object.entries(query ?? {}).filter(([, v]) => v !== undefined && v !== '');
    const search = params.length ? `?${params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&')}` : '';
    return `${this.base}/${path}${search}`;
  }
}

/** The error a non-2xx answer stands for: its envelope, or a BAD_RESPONSE naming the status. */
export async function apiError(response: Response): Promise<AvatarApiError> {
  const text = await response.text().catch(() => '');
  const retryAfter = Number(response.headers.get('retry-after'));
  const retryAfterSeconds = Number.isFinite(retryAfter) && response.headers.has('retry-after') ? retryAfter : undefined;
  try {
    const body: unknown = JSON.parse(text);
    if (isErrorEnvelope(body)) return AvatarApiError.fromEnvelope(response.status, body, retryAfterSeconds);
  } catch {
    // not JSON: a proxy's page, say
  }
  return new AvatarApiError(response.status, 'BAD_RESPONSE', `HTTP ${response.status} without an error envelope: ${text.slice(0, 200)}`, {}, retryAfterSeconds);
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AvatarSdkError('BAD_RESPONSE', `expected JSON, got: ${text.slice(0, 200)}`, error);
  }
}

function randomKey(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
}

function anySignal(signals: AbortSignal[]): AbortSignal {
  const any = (AbortSignal as unknown as { any?: (s: AbortSignal[]) => AbortSignal }).any;
  if (any) return any(signals);
  const controller = new AbortController();
  for (const s of signals) {
    if (s.aborted) controller.abort();
    else s.addEventListener('abort', () => controller.abort(), { once: true });
  }
  return controller.signal;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
