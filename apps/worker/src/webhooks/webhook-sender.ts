import { Inject, Injectable } from '@nestjs/common';
import { WORKER_CONFIG, WorkerConfig } from '../worker-config';

/** What a receiver's answer looked like: its status, or why there was none. */
export type SendResult = { status: number; snippet: string } | { status: null; error: string };

/** Bytes of a receiver's answer read at most (kept for last_error); the rest is discarded unread. */
export const MAX_RESPONSE_BYTES = 1024;
export const WEBHOOK_USER_AGENT = 'AvatarPlatform-Webhooks/1';

/**
 * POSTs one signed webhook body with Node's fetch (undici): the whole exchange,
 * answer included, is cut off after WEBHOOK_TIMEOUT_MS; redirects are not followed
 * (a 3xx is a failed attempt: the endpoint's URL is what the tenant registered); of
 * the answer only the first MAX_RESPONSE_BYTES are read.
 */
@Injectable()
export class WebhookSender {
  constructor(@Inject(WORKER_CONFIG) private readonly config: Pick<WorkerConfig, 'WEBHOOK_TIMEOUT_MS'>) {}

  async post(url: string, body: string, headers: Record<string, string>): Promise<SendResult> {
    const signal = AbortSignal.timeout(this.config.WEBHOOK_TIMEOUT_MS);
    try {
      const response = await fetch(url, {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'application/json', 'User-Agent': WEBHOOK_USER_AGENT, ...headers },
        redirect: 'manual',
        signal,
      });
      return { status: response.status, snippet: await readSnippet(response) };
    } catch (err) {
      if (signal.aborted) return { status: null, error: `no answer within ${this.config.WEBHOOK_TIMEOUT_MS} ms` };
      return { status: null, error: describe(err) };
    }
  }
}

/** The beginning of the answer as text; the stream is then cancelled, so a huge answer costs nothing more. */
async function readSnippet(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_RESPONSE_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // The receiver answered; what it sent after the status does not change the outcome.
  } finally {
    reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8');
}

/** fetch's "fetch failed" says nothing: the cause (ECONNREFUSED, ENOTFOUND, a TLS error) does. */
function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return `${cause.code}${cause.message ? `: ${cause.message}` : ''}`;
  return cause?.message ?? (err instanceof Error ? err.message : String(err));
}
