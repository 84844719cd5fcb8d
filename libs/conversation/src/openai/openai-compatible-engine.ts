import { ProviderError } from '@avatar/providers';
import { ChatMessage, ConversationEngine, ConversationRequest } from '../conversation-engine';
import { chatError, errorObjectOf, httpFailure, OpenAiErrorObject, streamFailure } from './chat-failures';
import { SseEvent, SseLineTooLongError, SseParser } from './sse-parser';

export const OPENAI_COMPATIBLE_ENGINE = 'openai-compatible';

export interface OpenAiCompatibleEngineOptions {
  /** The API's base, e.g. `https://api.openai.com/v1` or `http://localhost:11434/v1`: the engine POSTs `{apiUrl}/chat/completions`. */
  apiUrl: string;
  /** Sent as `Authorization: Bearer`; local servers often need none. */
  apiKey?: string;
  /** The model when a request names none (default gpt-4o-mini). */
  model?: string;
  /** From sending the request to the first non-empty text delta (default 20 s). */
  firstTokenTimeoutMs?: number;
  /** Longest silence once the reply streams: no chunk for this long is a stall (default 10 s). */
  stallTimeoutMs?: number;
  /**
   * The longest reply taken (default 4000 characters, a few minutes of speech): past it
   * the reply ENDS at exactly this many characters and the upstream request is cut, like
   * a model's own `finish_reason: "length"`. A bound against a runaway model, not a failure.
   */
  maxReplyChars?: number;
  fetchImpl?: typeof fetch;
}

export const OPENAI_COMPATIBLE_DEFAULTS = {
  model: 'gpt-4o-mini',
  firstTokenTimeoutMs: 20_000,
  stallTimeoutMs: 10_000,
  maxReplyChars: 4000,
} as const;

/** Headers OpenAI (and the proxies in front of compatible servers) put a request id in. */
const REQUEST_ID_HEADERS = ['x-request-id', 'request-id', 'cf-ray'];
/** An error answer is read this far at most: its message is all we keep. */
const MAX_ERROR_BODY_BYTES = 16_384;

/** What one data event of the stream means. */
interface StreamStep {
  content: string;
  finished: boolean;
}

/**
 * Any server speaking OpenAI's chat completions API (OpenAI, Azure-style proxies,
 * vLLM, Ollama, llama.cpp, LM Studio…): `POST {apiUrl}/chat/completions` with
 * `{model, messages, stream: true}`, read as server-sent events of
 * `chat.completion.chunk`s; each non-empty `choices[0].delta.content` is one delta, and
 * `finish_reason` or `data: [DONE]` ends the reply. Anything else is a ProviderError:
 * an error status, an `{"error": …}` in the stream, a malformed chunk, silence before
 * the first token or midway, or a stream that just stops (never a silently truncated
 * reply). The caller's abort cuts the HTTP request at once and rethrows the signal's
 * reason. No retries here: the caller decides (deltas may already have been spoken).
 */
export class OpenAiCompatibleEngine implements ConversationEngine {
  readonly name = OPENAI_COMPATIBLE_ENGINE;
  readonly defaultModel: string;
  private readonly url: string;
  private readonly path: string;
  private readonly firstTokenTimeoutMs: number;
  private readonly stallTimeoutMs: number;
  private readonly maxReplyChars: number;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: OpenAiCompatibleEngineOptions) {
    this.url = `${options.apiUrl.replace(/\/+$/, '')}/chat/completions`;
    this.path = new URL(this.url).pathname;
    this.defaultModel = options.model ?? OPENAI_COMPATIBLE_DEFAULTS.model;
    this.firstTokenTimeoutMs = options.firstTokenTimeoutMs ?? OPENAI_COMPATIBLE_DEFAULTS.firstTokenTimeoutMs;
    this.stallTimeoutMs = options.stallTimeoutMs ?? OPENAI_COMPATIBLE_DEFAULTS.stallTimeoutMs;
    this.maxReplyChars = options.maxReplyChars ?? OPENAI_COMPATIBLE_DEFAULTS.maxReplyChars;
    this.fetchImpl = options.fetchImpl ?? fetch;
  }

  reply(request: ConversationRequest, signal: AbortSignal): AsyncIterable<string> {
    return this.stream(request, signal);
  }

  private async *stream(request: ConversationRequest, signal: AbortSignal): AsyncGenerator<string> {
    signal.throwIfAborted();
    const upstream = new AbortController();
    const onAbort = () => upstream.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    const startedAt = Date.now();
    const guard = new Guard(upstream, signal);
    let requestId: string | undefined;
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    try {
      const firstTokenBudget = () => startedAt + this.firstTokenTimeoutMs - Date.now();
      const noFirstToken = () => chatError(`POST ${this.path}: no first token within ${this.firstTokenTimeoutMs} ms`, 'timeout', { vendorRequestId: requestId });

      const response = await guard.run(
        this.fetchImpl(this.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'text/event-stream',
            ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
          },
          body: JSON.stringify({ model: request.model ?? this.defaultModel, messages: request.messages.map(wireMessage), stream: true }),
          signal: upstream.signal,
        }),
        firstTokenBudget(),
        noFirstToken,
      );
      requestId = REQUEST_ID_HEADERS.map((name) => response.headers.get(name)).find((value) => !!value) ?? undefined;

      if (!response.ok) {
        const text = await guard.run(readCapped(response, MAX_ERROR_BODY_BYTES), firstTokenBudget(), noFirstToken);
        throw httpFailure(this.path, response, text, requestId);
      }
      if (/application\/json/i.test(response.headers.get('content-type') ?? '')) {
        // A server that ignored `stream: true` and answered one chat.completion.
        const text = await guard.run(readCapped(response, this.maxReplyChars * 4 + MAX_ERROR_BODY_BYTES), firstTokenBudget(), noFirstToken);
        const content = this.wholeCompletion(text, requestId);
        if (content) yield this.bounded(content, 0);
        return;
      }
      if (!response.body) throw chatError(`POST ${this.path} answered ${response.status} without a body`, 'unavailable', { vendorRequestId: requestId });

      reader = response.body.getReader();
      const decoder = new TextDecoder();
      const parser = new SseParser();
      let sent = 0;
      /** When the stream last moved: a data event, or the consumer handing control back. Keep-alive comments do not count. */
      let movedAt = startedAt;
      for (;;) {
        const { value, done } =
          sent === 0
            ? await guard.run(reader.read(), firstTokenBudget(), noFirstToken)
            : await guard.run(reader.read(), movedAt + this.stallTimeoutMs - Date.now(), () =>
                chatError(`POST ${this.path}: the stream stalled for ${this.stallTimeoutMs} ms`, 'timeout', { vendorRequestId: requestId }),
              );
        const text = done ? decoder.decode() : decoder.decode(value, { stream: true });
        const events = done ? [...parser.push(text), ...parser.end()] : parser.push(text);
        for (const event of events) {
          movedAt = Date.now();
          const step = this.interpret(event, requestId);
          if (step.content) {
            const piece = this.bounded(step.content, sent);
            if (piece) yield piece;
            sent += piece.length;
            movedAt = Date.now();
            if (piece.length < step.content.length) return; // maxReplyChars reached: the reply ends here
          }
          if (step.finished) return;
        }
        if (done) throw chatError(`POST ${this.path}: the stream ended before [DONE] or a finish_reason`, 'unavailable', { vendorRequestId: requestId });
      }
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      if (err instanceof ProviderError) throw err;
      if (err instanceof SseLineTooLongError) throw chatError(`POST ${this.path}: malformed stream: ${err.message}`, 'unavailable', { vendorRequestId: requestId });
      throw chatError(`POST ${this.path} failed: ${causeOf(err)}`, 'connection', { vendorRequestId: requestId });
    } finally {
      signal.removeEventListener('abort', onAbort);
      // Whatever ended the reply (done, failed, the consumer stopped), the socket goes now.
      upstream.abort();
      reader?.cancel().catch(() => undefined);
    }
  }

  /** One data event: `[DONE]`, a chunk (text and/or a finish_reason), or an upstream error. */
  private interpret(event: SseEvent, requestId: string | undefined): StreamStep {
    if (event.data.trim() === '[DONE]') return { content: '', finished: true };
    let chunk: unknown;
    try {
      chunk = JSON.parse(event.data);
    } catch {
      throw this.malformed(event.data, requestId);
    }
    if (!chunk || typeof chunk !== 'object' || Array.isArray(chunk)) throw this.malformed(event.data, requestId);
    const body = chunk as { error?: unknown; choices?: unknown };
    if (event.event === 'error' || body.error !== undefined) {
      const error = body.error && typeof body.error === 'object' ? (body.error as OpenAiErrorObject) : errorObjectOf(event.data);
      throw streamFailure(this.path, error, requestId);
    }
    const choice = firstChoice(body.choices) as { delta?: { content?: unknown }; finish_reason?: unknown } | undefined;
    const content = typeof choice?.delta?.content === 'string' ? choice.delta.content : '';
    return { content, finished: choice?.finish_reason !== undefined && choice.finish_reason !== null };
  }

  /** The text of a non-streamed `chat.completion` answer. */
  private wholeCompletion(text: string, requestId: string | undefined): string {
    let body: { error?: unknown; choices?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw this.malformed(text, requestId);
    }
    if (body?.error !== undefined) throw streamFailure(this.path, errorObjectOf(text), requestId);
    const choice = firstChoice(body?.choices) as { message?: { content?: unknown } } | undefined;
    const content = choice?.message?.content;
    if (content === null || content === undefined) return '';
    if (typeof content !== 'string') throw this.malformed(text, requestId);
    return content;
  }

  /** The part of `content` that still fits under maxReplyChars after `sent` characters (never half a surrogate pair). */
  private bounded(content: string, sent: number): string {
    const room = this.maxReplyChars - sent;
    if (content.length <= room) return content;
    let cut = Math.max(0, room);
    if (cut > 0 && isHighSurrogate(content.charCodeAt(cut - 1))) cut--;
    return content.slice(0, cut);
  }

  private malformed(data: string, requestId: string | undefined): ProviderError {
    return chatError(`POST ${this.path}: malformed chunk: ${data.slice(0, 120)}`, 'unavailable', { vendorRequestId: requestId });
  }
}

/**
 * Races one step of the request against a time budget and the caller's abort: a
 * budget that runs out cuts the upstream request and fails with the step's timeout
 * error; an abort rejects with the signal's reason. Both also work with an injected
 * fetch that ignores its signal.
 */
class Guard {
  constructor(
    private readonly upstream: AbortController,
    private readonly signal: AbortSignal,
  ) {}

  async run<T>(work: Promise<T>, budgetMs: number, onTimeout: () => ProviderError): Promise<T> {
    work.catch(() => undefined); // a step that loses the race may still reject later
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const limits = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => {
          const error = onTimeout();
          this.upstream.abort(error);
          reject(error);
        },
        Math.max(0, budgetMs),
      );
      onAbort = () => reject(this.signal.reason);
      if (this.signal.aborted) onAbort();
      else this.signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([work, limits]);
    } finally {
      clearTimeout(timer);
      this.signal.removeEventListener('abort', onAbort!);
    }
  }
}

function wireMessage(message: ChatMessage): ChatMessage {
  return { role: message.role, content: message.content };
}

/** The choice with index 0 (most servers send only it; `n` > 1 is never asked for). */
function firstChoice(choices: unknown): unknown {
  if (!Array.isArray(choices)) return undefined;
  return choices.find((c) => c && typeof c === 'object' && ((c as { index?: unknown }).index ?? 0) === 0);
}

/** At most `maxBytes` of the body as text; the rest is not waited for. */
async function readCapped(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    parts.push(value);
    size += value.byteLength;
    if (size >= maxBytes) {
      void reader.cancel().catch(() => undefined);
      break;
    }
  }
  return new TextDecoder().decode(Buffer.concat(parts).subarray(0, maxBytes));
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err);
}
