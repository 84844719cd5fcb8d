import type { ProviderFailureKind } from '@avatar/contracts';
import { ProviderError, retryAfterSeconds, statusKind } from '@avatar/providers';

/** The provider name chat failures carry (`details.provider` of the PROVIDER_* envelope). */
export const CHAT_PROVIDER = 'chat';

/** OpenAI's error object, as an error answer's body or an in-stream `{"error": {...}}` carries it. */
export interface OpenAiErrorObject {
  message?: unknown;
  type?: unknown;
  code?: unknown;
}

export interface ChatFailureExtra {
  vendorRequestId?: string;
  vendorStatus?: number;
  retryAfterS?: number;
}

export function chatError(message: string, kind: ProviderFailureKind, extra: ChatFailureExtra = {}): ProviderError {
  return new ProviderError(`${CHAT_PROVIDER}: ${message}`, { kind, provider: CHAT_PROVIDER, ...extra });
}

/**
 * What an OpenAI error object's `code`/`type` says went wrong, when it says. OpenAI answers
 * spent credits with 429 `insufficient_quota`: capacity, like a rate limit, but waiting
 * does not help.
 */
export function openAiErrorKind(error: OpenAiErrorObject | undefined): ProviderFailureKind | undefined {
  const code = typeof error?.code === 'string' ? error.code : '';
  const type = typeof error?.type === 'string' ? error.type : '';
  if (code === 'insufficient_quota' || type === 'insufficient_quota') return 'quota';
  if (/rate_limit/.test(code) || /rate_limit/.test(type)) return 'rate_limited';
  if (code === 'invalid_api_key' || type === 'authentication_error' || type === 'permission_error') return 'auth';
  if (type === 'invalid_request_error' || code === 'context_length_exceeded' || code === 'model_not_found') return 'rejected';
  if (type === 'server_error' || code === 'server_error') return 'unavailable';
  return undefined;
}

/**
 * The failure a non-2xx answer means: the status decides (401/403 auth, 429 rate_limited,
 * 408/504 timeout, other 5xx unavailable, other 4xx rejected), except that a 429 saying
 * `insufficient_quota` is spent credits (quota).
 */
export function httpFailure(path: string, response: Response, text: string, vendorRequestId: string | undefined): ProviderError {
  const error = errorObjectOf(text);
  const openAiKind = openAiErrorKind(error);
  const kind = (response.status === 429 && openAiKind === 'quota' ? 'quota' : statusKind(response.status)) ?? 'unavailable';
  const retryAfterS = kind === 'rate_limited' ? retryAfterOf(response.headers) : undefined;
  const said = typeof error?.message === 'string' ? error.message.slice(0, 200) : text.slice(0, 200) || '(empty answer)';
  return chatError(`POST ${path} answered ${response.status}: ${said}`, kind, { vendorRequestId, vendorStatus: response.status, retryAfterS });
}

/** An `{"error": {...}}` the upstream sent inside a stream that had begun well. */
export function streamFailure(path: string, error: OpenAiErrorObject | undefined, vendorRequestId: string | undefined): ProviderError {
  const said = typeof error?.message === 'string' ? error.message.slice(0, 200) : '(no message)';
  return chatError(`POST ${path}: the upstream failed midway: ${said}`, openAiErrorKind(error) ?? 'unavailable', { vendorRequestId });
}

/** `{"error": {...}}` (OpenAI and most compatible servers), `{"error": "text"}` or `{"message": ...}`. */
export function errorObjectOf(text: string): OpenAiErrorObject | undefined {
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    if (body?.error && typeof body.error === 'object') return body.error as OpenAiErrorObject;
    if (typeof body?.error === 'string') return { message: body.error };
    if (typeof body?.message === 'string') return { message: body.message };
  } catch {
    // not JSON: the caller falls back to the text itself
  }
  return undefined;
}

/** `retry-after-ms` (OpenAI sends it beside Retry-After) is the finer one when present. */
function retryAfterOf(headers: Headers): number | undefined {
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.get('retry-after-ms') && Number.isFinite(ms) && ms >= 0) return ms / 1000;
  return retryAfterSeconds(headers.get('retry-after'));
}
