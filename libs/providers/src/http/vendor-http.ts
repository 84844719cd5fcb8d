import { ProviderFailureKind } from '@avatar/contracts';
import { ProviderError } from '../provider-error';

/** How a vendor's REST calls are retried: `attempts` tries in all, `delayMs` apart, each cut off after `timeoutMs`. */
export interface RetryRule {
  attempts: number;
  delayMs: number;
  timeoutMs: number;
}

/** One try, 10 s: what a call gets unless its adapter says otherwise. */
export const SINGLE_TRY: RetryRule = { attempts: 1, delayMs: 0, timeoutMs: 10_000 };

export interface VendorRequest {
  method: 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH';
  url: string;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  json?: unknown;
  rule?: RetryRule;
  /**
   * Reads a vendor-specific failure out of an answer (an error code in a 200 body, a
   * 400 that means "unknown avatar"): a kind, or undefined to use the status mapping.
   */
  classify?: (status: number, body: unknown) => ProviderFailureKind | undefined;
  signal?: AbortSignal;
}

export interface VendorResponse<T> {
  status: number;
  body: T;
  requestId?: string;
}

/** Headers vendors put their request id in, for support tickets. */
const REQUEST_ID_HEADERS = ['x-request-id', 'request-id', 'x-amzn-requestid', 'x-trace-id', 'cf-ray'];

/** Longest Retry-After we honour by waiting ourselves; a longer one fails the call (the caller's backoff takes over). */
const MAX_INLINE_RETRY_AFTER_S = 5;

/**
 * JSON over HTTP to one vendor, with its retry rule, typed failures (ProviderError)
 * and the vendor's request id kept. Every adapter's REST calls go through here, so a
 * 401, a 429 with Retry-After or a dropped connection mean the same for every vendor.
 */
export class VendorHttp {
  constructor(
    private readonly provider: string,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async request<T = unknown>(request: VendorRequest): Promise<VendorResponse<T>> {
    const rule = request.rule ?? SINGLE_TRY;
    let last: ProviderError | undefined;
    for (let attempt = 1; attempt <= rule.attempts; attempt++) {
      try {
        return await this.once<T>(request, rule.timeoutMs);
      } catch (err) {
        last = err as ProviderError;
        if (!(err instanceof ProviderError) || !err.retryable || attempt === rule.attempts || request.signal?.aborted) throw err;
        // A vendor that says when to come back is listened to, within reason.
        const waitMs = err.retryAfterS !== undefined ? err.retryAfterS * 1000 : rule.delayMs;
        if (err.retryAfterS !== undefined && err.retryAfterS > MAX_INLINE_RETRY_AFTER_S) throw err;
        await sleep(Math.max(waitMs, rule.delayMs), request.signal);
      }
    }
    throw last!;
  }

  private async once<T>(request: VendorRequest, timeoutMs: number): Promise<VendorResponse<T>> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await this.fetchImpl(request.url, {
        method: request.method,
        headers: { accept: 'application/json', ...(request.json !== undefined ? { 'content-type': 'application/json' } : {}), ...request.headers },
        body: request.json !== undefined ? JSON.stringify(request.json) : undefined,
        signal,
      });
    } catch (err) {
      if (timeout.aborted) throw this.error(`${describe(request)} timed out after ${timeoutMs} ms`, 'timeout');
      if (request.signal?.aborted) throw err;
      throw this.error(`${describe(request)} failed: ${causeOf(err)}`, 'connection');
    }
    const requestId = REQUEST_ID_HEADERS.map((name) => response.headers.get(name)).find((value) => !!value) ?? undefined;
    let text: string;
    try {
      text = await response.text();
    } catch (err) {
      if (timeout.aborted) throw this.error(`${describe(request)} timed out after ${timeoutMs} ms`, 'timeout', { requestId });
      if (request.signal?.aborted) throw err;
      throw this.error(`${describe(request)}: the answer was cut off: ${causeOf(err)}`, 'connection', { requestId });
    }
    const body = parseJson(text);
    const kind = request.classify?.(response.status, body) ?? statusKind(response.status);
    if (kind) {
      const retryAfterS = kind === 'rate_limited' ? retryAfterSeconds(response.headers.get('retry-after')) : undefined;
      throw this.error(`${describe(request)} answered ${response.status}: ${vendorMessage(body, text)}`, kind, { requestId, status: response.status, retryAfterS });
    }
    return { status: response.status, body: body as T, requestId };
  }

  private error(message: string, kind: ProviderFailureKind, extra: { requestId?: string; status?: number; retryAfterS?: number } = {}): ProviderError {
    return new ProviderError(`${this.provider}: ${message}`, {
      kind,
      provider: this.provider,
      vendorRequestId: extra.requestId,
      vendorStatus: extra.status,
      retryAfterS: extra.retryAfterS,
    });
  }
}

/** The failure an HTTP status means, for any vendor (undefined: success). */
export function statusKind(status: number): ProviderFailureKind | undefined {
  if (status >= 200 && status < 300) return undefined;
  if (status === 401 || status === 403) return 'auth';
  if (status === 402) return 'quota';
  if (status === 404) return 'rejected';
  if (status === 408 || status === 504) return 'timeout';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'unavailable';
  return 'rejected';
}

/** Retry-After in seconds: a number of seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterSeconds(value: string | null): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The vendor's own words about a failure, short (never the request, which may hold a key). */
function vendorMessage(body: unknown, text: string): string {
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    const inner = (b.error && typeof b.error === 'object' ? (b.error as Record<string, unknown>).message : b.error) ?? b.message ?? b.detail;
    if (typeof inner === 'string') return inner.slice(0, 200);
  }
  return text.slice(0, 200) || '(empty answer)';
}

function describe(request: VendorRequest): string {
  return `${request.method} ${new URL(request.url).pathname}`;
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}
