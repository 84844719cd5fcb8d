import type { ServerResponse } from 'node:http';
import { FakeAnswer, FakeVendorServer, RecordedRequest } from './fake-vendor-server';

export interface FakeChatMessage {
  role: string;
  content: string;
}

/** The reply's text deltas, fixed or worked out from the request's messages. */
export type FakeChatReply = string[] | ((messages: FakeChatMessage[]) => string[]);

/**
 * A streamed answer gone wrong, after `afterChunks` content chunks (the opening
 * role-only chunk does not count):
 * - `stall`: sends nothing more but keeps the connection open;
 * - `drop`: destroys the connection;
 * - `error`: sends an `{"error": {...}}` event, then ends the response;
 * - `malformed`: sends a data line that is not JSON, then carries on normally;
 * - `truncate`: ends the response cleanly, without a finish_reason or [DONE].
 */
export interface ChatStreamMisbehaviour {
  kind: 'stall' | 'drop' | 'error' | 'malformed' | 'truncate';
  afterChunks: number;
  /** For `error`: the error object (default a server_error). */
  error?: { message: string; type: string; code: string | null };
  /** How many streamed requests misbehave (default 1). */
  times?: number;
}

export interface OpenAiChatFakeOptions {
  /** The key to expect as `Authorization: Bearer`; null accepts any (a local server). Default OpenAiChatFake.API_KEY. */
  apiKey?: string | null;
  /** Default: `Hello` `!` ` How` ` can` ` I` ` help` `?`. */
  reply?: FakeChatReply;
  /** Pause before each chunk (default 0). */
  chunkDelayMs?: number;
}

/** One streamed answer, for assertions on how it ended. */
export interface ChatStreamRecord {
  request: RecordedRequest;
  /** Content chunks written. */
  chunksSent: number;
  /** The fake wrote its last byte and ended the response. */
  finished: boolean;
  /** The connection closed before the fake finished: the client went away (or a drop). */
  closedEarly: boolean;
  /** Settles when the connection closes, however. */
  closed: Promise<void>;
}

/**
 * OpenAI's chat completions route, `POST /v1/chat/completions` (so an engine's apiUrl
 * is `${fake.url}/v1`), in OpenAI's own wire format: with `stream: true`, server-sent
 * events of `chat.completion.chunk` (an opening chunk with `delta.role`, one chunk per
 * content delta, a final chunk with `finish_reason: "stop"`, then `data: [DONE]`);
 * without it, one `chat.completion` JSON. A wrong key gets OpenAI's 401
 * `invalid_api_key`; a body without model or messages a 400 `invalid_request_error`.
 * Misbehaviours: `failNext` (any status with OpenAI's error body, Retry-After),
 * `misbehave` (stall, drop, error event, malformed chunk, truncation midway), plus the
 * base class's faults (slow, dropped before answering).
 */
export class OpenAiChatFake extends FakeVendorServer {
  static readonly API_KEY = 'sk-fake-chat-key';
  static readonly PATH = '/v1/chat/completions';
  static readonly DEFAULT_REPLY = ['Hello', '!', ' How', ' can', ' I', ' help', '?'];
  readonly apiKey: string | null;
  reply: FakeChatReply;
  chunkDelayMs: number;
  readonly streams: ChatStreamRecord[] = [];
  private readonly misbehaviours: Array<ChatStreamMisbehaviour & { left: number }> = [];
  private completions = 0;

  constructor(options: OpenAiChatFakeOptions = {}) {
    super();
    this.apiKey = options.apiKey === undefined ? OpenAiChatFake.API_KEY : options.apiKey;
    this.reply = options.reply ?? OpenAiChatFake.DEFAULT_REPLY;
    this.chunkDelayMs = options.chunkDelayMs ?? 0;
    this.route('POST', OpenAiChatFake.PATH, (request) => this.complete(request));
  }

  /** OpenAI's error body for the next `times` requests (default 1). */
  failNext(status: number, options: { message?: string; type?: string; code?: string | null; retryAfter?: string; times?: number } = {}): this {
    const headers: Record<string, string> = options.retryAfter !== undefined ? { 'retry-after': options.retryAfter } : {};
    return this.fault({
      method: 'POST',
      path: OpenAiChatFake.PATH,
      times: options.times,
      answer: { status, headers, body: OpenAiChatFake.errorBody(options.message ?? `fake failure ${status}`, options.type ?? 'server_error', options.code ?? null) },
    });
  }

  misbehave(misbehaviour: ChatStreamMisbehaviour): this {
    this.misbehaviours.push({ ...misbehaviour, left: misbehaviour.times ?? 1 });
    return this;
  }

  override clearFaults(): void {
    super.clearFaults();
    this.misbehaviours.length = 0;
  }

  get chatCalls(): RecordedRequest[] {
    return this.calls('POST', OpenAiChatFake.PATH);
  }

  static errorBody(message: string, type: string, code: string | null): { error: { message: string; type: string; param: null; code: string | null } } {
    return { error: { message, type, param: null, code } };
  }

  private complete(request: RecordedRequest): FakeAnswer {
    if (this.apiKey !== null && request.headers.authorization !== `Bearer ${this.apiKey}`) {
      return { status: 401, body: OpenAiChatFake.errorBody('Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key') };
    }
    const body = request.body as { model?: unknown; messages?: unknown; stream?: unknown } | undefined;
    if (typeof body?.model !== 'string' || !Array.isArray(body.messages) || body.messages.length === 0) {
      return { status: 400, body: OpenAiChatFake.errorBody("'model' and 'messages' are required.", 'invalid_request_error', null) };
    }
    const messages = body.messages as FakeChatMessage[];
    const deltas = typeof this.reply === 'function' ? this.reply(messages) : this.reply;
    const id = `chatcmpl-fake${++this.completions}`;
    const created = Math.floor(Date.now() / 1000);
    if (body.stream !== true) {
      return {
        status: 200,
        headers: { 'x-request-id': `req_${id}` },
        body: {
          id,
          object: 'chat.completion',
          created,
          model: body.model,
          choices: [{ index: 0, message: { role: 'assistant', content: deltas.join(''), refusal: null }, logprobs: null, finish_reason: 'stop' }],
          usage: { prompt_tokens: 1, completion_tokens: deltas.length, total_tokens: 1 + deltas.length },
        },
      };
    }
    return {
      stream: (res) => {
        // A client that already gave up (a slow-answer fault outlived it) takes no misbehaviour meant for the next one.
        if (!res.socket || res.socket.destroyed) return;
        return this.streamReply(res, request, { id, created, model: body.model as string }, deltas, this.takeMisbehaviour());
      },
    };
  }

  private async streamReply(
    res: ServerResponse,
    request: RecordedRequest,
    meta: { id: string; created: number; model: string },
    deltas: string[],
    misbehaviour: ChatStreamMisbehaviour | undefined,
  ): Promise<void> {
    const record: ChatStreamRecord = { request, chunksSent: 0, finished: false, closedEarly: false, closed: Promise.resolve() };
    record.closed = new Promise((resolve) =>
      res.on('close', () => {
        record.closedEarly = !record.finished;
        resolve();
      }),
    );
    this.streams.push(record);
    res.on('error', () => undefined);
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': `req_${meta.id}` });
    const chunk = (delta: Record<string, unknown>, finishReason: string | null) =>
      `data: ${JSON.stringify({ ...meta, object: 'chat.completion.chunk', system_fingerprint: 'fp_fake', choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] })}\n\n`;
    const send = async (text: string): Promise<boolean> => {
      if (this.chunkDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.chunkDelayMs));
      if (res.destroyed) return false;
      // Flushed before going on, so a drop right after still delivers what came before it.
      await new Promise<void>((resolve) => res.write(text, () => resolve()));
      return !res.destroyed;
    };

    if (!(await send(chunk({ role: 'assistant', content: '', refusal: null }, null)))) return;
    for (let i = 0; i <= deltas.length; i++) {
      if (misbehaviour && record.chunksSent === misbehaviour.afterChunks) {
        if (misbehaviour.kind === 'stall') return; // the connection stays open until the client or stop() closes it
        if (misbehaviour.kind === 'drop') return void res.socket?.destroy();
        if (misbehaviour.kind === 'truncate') return this.finish(res, record);
        if (misbehaviour.kind === 'error') {
          const error = misbehaviour.error ?? { message: 'The server had an error while processing your request.', type: 'server_error', code: 'server_error' };
          if (await send(`data: ${JSON.stringify({ error: { ...error, param: null } })}\n\n`)) this.finish(res, record);
          return;
        }
        if (!(await send('data: {"id":"chatcmpl-broken","choices":[{"delta":{"content":"x"\n\n'))) return;
      }
      if (i === deltas.length) break;
      if (!(await send(chunk({ content: deltas[i] }, null)))) return;
      record.chunksSent++;
    }
    if (!(await send(chunk({}, 'stop')))) return;
    if (await send('data: [DONE]\n\n')) this.finish(res, record);
  }

  private finish(res: ServerResponse, record: ChatStreamRecord): void {
    record.finished = true;
    res.end();
  }

  private takeMisbehaviour(): ChatStreamMisbehaviour | undefined {
    const next = this.misbehaviours[0];
    if (!next) return undefined;
    if (--next.left <= 0) this.misbehaviours.shift();
    return next;
  }
}
