import { createServer, Server, Socket } from 'node:net';
import { ProviderError } from '@avatar/providers';
import { OpenAiChatFake } from '@avatar/testing';
import { ChatMessage, ConversationRequest } from '../conversation-engine';
import { OpenAiCompatibleEngine, OpenAiCompatibleEngineOptions } from './openai-compatible-engine';

const MESSAGES: ChatMessage[] = [
  { role: 'system', content: 'You are a friendly avatar.' },
  { role: 'user', content: 'Hi!' },
];
const REPLY = OpenAiChatFake.DEFAULT_REPLY;

/** All deltas of a reply, or the error it ended with (and the deltas before it). */
async function run(engine: OpenAiCompatibleEngine, request: ConversationRequest = { messages: MESSAGES }, signal = new AbortController().signal) {
  const deltas: string[] = [];
  try {
    for await (const delta of engine.reply(request, signal)) deltas.push(delta);
    return { deltas, error: undefined };
  } catch (error) {
    return { deltas, error: error as ProviderError };
  }
}

async function failure(engine: OpenAiCompatibleEngine, request?: ConversationRequest): Promise<ProviderError> {
  const { error } = await run(engine, request);
  expect(error).toBeInstanceOf(ProviderError);
  return error!;
}

/**
 * A fetch answering an event stream written piece by piece (`{ waitMs }` pauses), for
 * byte-level cases the HTTP fake does not produce. `init` keeps what the engine sent.
 */
function scriptedFetch(pieces: Array<string | Uint8Array | { waitMs: number }>, options: { close?: boolean; contentType?: string } = {}) {
  const seen: { init?: RequestInit; cancelled: boolean } = { cancelled: false };
  const fetchImpl = (async (_url: string, init: RequestInit) => {
    seen.init = init;
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        for (const piece of pieces) {
          if (seen.cancelled) return;
          if (typeof piece === 'object' && 'waitMs' in piece) await new Promise((resolve) => setTimeout(resolve, piece.waitMs));
          else controller.enqueue(typeof piece === 'string' ? new TextEncoder().encode(piece) : piece);
        }
        if (options.close !== false && !seen.cancelled) controller.close();
      },
      cancel() {
        seen.cancelled = true;
      },
    });
    return new Response(body, { status: 200, headers: { 'content-type': options.contentType ?? 'text/event-stream' } });
  }) as unknown as typeof fetch;
  return { fetchImpl, seen };
}

function chunk(content: string | null, finishReason: string | null = null): string {
  const delta = content === null ? {} : { content };
  return `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`;
}

/** A server that takes connections and never answers: the moment a client closes its connection is observable. */
async function silentServer(): Promise<{ url: string; closed: Promise<void>; stop: () => Promise<void> }> {
  const sockets: Socket[] = [];
  let onClose!: () => void;
  const closed = new Promise<void>((resolve) => (onClose = resolve));
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    socket.resume();
    socket.on('close', onClose);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/v1`,
    closed,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('OpenAiCompatibleEngine', () => {
  let fake: OpenAiChatFake;
  const engineFor = (options: Partial<OpenAiCompatibleEngineOptions> = {}) =>
    new OpenAiCompatibleEngine({ apiUrl: `${fake.url}/v1`, apiKey: OpenAiChatFake.API_KEY, firstTokenTimeoutMs: 2000, stallTimeoutMs: 2000, ...options });

  beforeAll(async () => {
    fake = await new OpenAiChatFake().start();
  });
  afterAll(() => fake.stop());
  beforeEach(() => {
    fake.requests.length = 0;
    fake.streams.length = 0;
    fake.clearFaults();
    fake.reply = OpenAiChatFake.DEFAULT_REPLY;
    fake.chunkDelayMs = 0;
  });

  describe('a good reply', () => {
    it('posts the model, the messages and stream: true with the key, and yields the deltas in order', async () => {
      const { deltas, error } = await run(engineFor({ model: 'gpt-test' }));
      expect(error).toBeUndefined();
      expect(deltas).toEqual(REPLY);
      const [call] = fake.chatCalls;
      expect(call.body).toEqual({ model: 'gpt-test', messages: MESSAGES, stream: true });
      expect(call.headers).toMatchObject({ authorization: `Bearer ${OpenAiChatFake.API_KEY}`, 'content-type': 'application/json', accept: 'text/event-stream' });
      expect(fake.streams[0]).toMatchObject({ finished: true, chunksSent: REPLY.length });
    });

    it('asks for the request model when given, sends only role and content, and no key when it has none', async () => {
      const open = await new OpenAiChatFake({ apiKey: null }).start();
      try {
        const engine = new OpenAiCompatibleEngine({ apiUrl: `${open.url}/v1/` });
        const messages = [{ role: 'user', content: 'Hi', name: 'x' } as ChatMessage];
        expect((await run(engine, { messages, model: 'llama3.2' })).deltas).toEqual(REPLY);
        expect(open.chatCalls[0].body).toEqual({ model: 'llama3.2', messages: [{ role: 'user', content: 'Hi' }], stream: true });
        expect(open.chatCalls[0].headers.authorization).toBeUndefined();
        expect(engine.defaultModel).toBe('gpt-4o-mini');
      } finally {
        await open.stop();
      }
    });

    it('streams a reply that depends on the conversation, keeping multi-byte text whole', async () => {
      fake.reply = (messages) => ['Echo: ', messages[messages.length - 1].content, ' — ', 'héllo 👋 世界'];
      const { deltas } = await run(engineFor());
      expect(deltas.join('')).toBe('Echo: Hi! — héllo 👋 世界');
    });

    it('reads the stream cut at every byte, even inside a UTF-8 character and a CRLF, with comments and empty deltas', async () => {
      const wire = `: keep-alive\r\n\r\n${chunk('')}${chunk('Grüß ')}data: {"choices":[]}\n\n${chunk('dich 👋')}\r\n${chunk(null)}${chunk('!', 'stop')}data: [DONE]\n\n`;
      const bytes = new TextEncoder().encode(wire);
      const { fetchImpl } = scriptedFetch(Array.from(bytes, (b) => new Uint8Array([b])));
      const { deltas, error } = await run(engineFor({ fetchImpl }));
      expect(error).toBeUndefined();
      expect(deltas).toEqual(['Grüß ', 'dich 👋', '!']);
    });

    it('ends at a finish_reason without waiting for [DONE], and lets the request go', async () => {
      const { fetchImpl, seen } = scriptedFetch([chunk('Done'), chunk(null, 'stop')], { close: false });
      const { deltas, error } = await run(engineFor({ fetchImpl }));
      expect(error).toBeUndefined();
      expect(deltas).toEqual(['Done']);
      expect(seen.init!.signal!.aborted).toBe(true);
    });

    it('ends at [DONE] even without a finish_reason', async () => {
      const { fetchImpl } = scriptedFetch([chunk('Hi'), 'data: [DONE]\n\n']);
      expect(await run(engineFor({ fetchImpl }))).toEqual({ deltas: ['Hi'], error: undefined });
    });

    it('takes a whole chat.completion from a server that does not stream', async () => {
      fake.fault({ answer: { status: 200, body: { object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'All at once.' }, finish_reason: 'stop' }] } } });
      expect(await run(engineFor())).toEqual({ deltas: ['All at once.'], error: undefined });
    });

    it('ends the reply at maxReplyChars exactly, without an error, and cuts the upstream', async () => {
      fake.reply = ['12345', '67890', 'abcde', 'fghij'];
      fake.chunkDelayMs = 20;
      const { deltas, error } = await run(engineFor({ maxReplyChars: 12 }));
      expect(error).toBeUndefined();
      expect(deltas).toEqual(['12345', '67890', 'ab']);
      await fake.streams[0].closed;
      expect(fake.streams[0].closedEarly).toBe(true);
    });

    it('does not count the time a slow consumer takes as upstream silence', async () => {
      // A chunk every 200 ms, each taking the consumer 150 ms: the upstream is never silent
      // for 150 ms of the engine's own waiting, though 200 ms pass between chunks.
      fake.reply = ['One', ' two', ' three'];
      fake.chunkDelayMs = 200;
      const engine = engineFor({ stallTimeoutMs: 150 });
      const deltas: string[] = [];
      for await (const delta of engine.reply({ messages: MESSAGES }, new AbortController().signal)) {
        deltas.push(delta);
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
      expect(deltas).toEqual(['One', ' two', ' three']);
    });
  });

  describe('failures', () => {
    it('maps a refused key to auth, without the key in the message, with the vendor request id', async () => {
      const err = await failure(engineFor({ apiKey: 'sk-wrong-secret' }));
      expect(err).toMatchObject({ kind: 'auth', provider: 'chat', retryable: false, vendorStatus: 401, vendorRequestId: expect.stringMatching(/^req-\d+$/) });
      expect(err.message).toContain('Incorrect API key provided.');
      expect(err.message).not.toContain('sk-wrong-secret');
      fake.failNext(403, { type: 'invalid_request_error', code: 'unsupported_country_region_territory' });
      expect(await failure(engineFor())).toMatchObject({ kind: 'auth', vendorStatus: 403 });
    });

    it('maps 429 to rate_limited with Retry-After, and 429 insufficient_quota to quota', async () => {
      fake.failNext(429, { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded', retryAfter: '7' });
      expect(await failure(engineFor())).toMatchObject({ kind: 'rate_limited', retryable: true, retryAfterS: 7, vendorStatus: 429 });
      fake.failNext(429, { message: 'You exceeded your current quota', type: 'insufficient_quota', code: 'insufficient_quota' });
      const quota = await failure(engineFor());
      expect(quota).toMatchObject({ kind: 'quota', retryable: false, vendorStatus: 429 });
      expect(quota.retryAfterS).toBeUndefined();
    });

    it('maps 5xx to unavailable, retryable', async () => {
      for (const status of [500, 502, 503]) {
        fake.failNext(status, { message: 'The server had an error' });
        const err = await failure(engineFor());
        expect(err).toMatchObject({ kind: 'unavailable', retryable: true, vendorStatus: status });
        expect(err.message).toContain('The server had an error');
      }
    });

    it('maps 400, 404 and 422 to rejected, not retryable', async () => {
      for (const status of [400, 404, 422]) {
        fake.failNext(status, { message: `bad ${status}`, type: 'invalid_request_error', code: status === 404 ? 'model_not_found' : null });
        expect(await failure(engineFor())).toMatchObject({ kind: 'rejected', retryable: false, vendorStatus: status, message: expect.stringContaining(`bad ${status}`) });
      }
    });

    it('keeps a non-JSON error answer short', async () => {
      fake.fault({ answer: { status: 502, body: `<html>${'x'.repeat(5000)}</html>`, headers: { 'content-type': 'text/html' } } });
      const err = await failure(engineFor());
      expect(err.kind).toBe('unavailable');
      expect(err.message.length).toBeLessThan(300);
    });

    it('maps a refused connection and one reset before answering to connection, retryable', async () => {
      const gone = await new OpenAiChatFake().start();
      const url = gone.url;
      await gone.stop();
      const refused = await failure(new OpenAiCompatibleEngine({ apiUrl: `${url}/v1` }));
      expect(refused).toMatchObject({ kind: 'connection', retryable: true, code: 'PROVIDER_UNAVAILABLE' });
      expect(refused.message).toContain('ECONNREFUSED');
      fake.fault({ drop: true });
      expect(await failure(engineFor())).toMatchObject({ kind: 'connection', retryable: true });
    });

    it('times out when the answer does not start in time, and when the stream brings no token', async () => {
      const silent = await silentServer();
      try {
        const late = await failure(engineFor({ apiUrl: silent.url, firstTokenTimeoutMs: 80 }));
        expect(late).toMatchObject({ kind: 'timeout', retryable: true });
        expect(late.message).toContain('no first token within 80 ms');
        await silent.closed;
      } finally {
        await silent.stop();
      }
      fake.misbehave({ kind: 'stall', afterChunks: 0 });
      expect(await failure(engineFor({ firstTokenTimeoutMs: 80 }))).toMatchObject({ kind: 'timeout', message: expect.stringContaining('no first token') });
      await fake.streams[0].closed;
      expect(fake.streams[0].closedEarly).toBe(true);
    });

    it('times out a stream that stalls midway, after the deltas before it, and closes the connection', async () => {
      fake.misbehave({ kind: 'stall', afterChunks: 3 });
      const { deltas, error } = await run(engineFor({ stallTimeoutMs: 80 }));
      expect(deltas).toEqual(REPLY.slice(0, 3));
      expect(error).toMatchObject({ kind: 'timeout', retryable: true, message: expect.stringContaining('stalled for 80 ms') });
      await fake.streams[0].closed;
      expect(fake.streams[0].closedEarly).toBe(true);
    });

    it('does not let keep-alive comments hide a stall', async () => {
      // Pings for 600 ms, then the stream ends: only a stall timer that ignores pings fires first.
      const pings = Array.from({ length: 30 }, () => [{ waitMs: 20 }, ': ping\n\n']).flat();
      const { fetchImpl } = scriptedFetch([chunk('Hi'), ...pings]);
      const { deltas, error } = await run(engineFor({ fetchImpl, stallTimeoutMs: 100 }));
      expect(deltas).toEqual(['Hi']);
      expect(error).toMatchObject({ kind: 'timeout', message: expect.stringContaining('stalled for 100 ms') });
    });

    it('fails a connection dropped midway as connection, after the deltas before it', async () => {
      fake.misbehave({ kind: 'drop', afterChunks: 2 });
      const { deltas, error } = await run(engineFor());
      expect(deltas).toEqual(REPLY.slice(0, 2));
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ kind: 'connection', retryable: true });
    });

    it('fails a stream that ends without [DONE] or a finish_reason: never a silently cut reply', async () => {
      fake.misbehave({ kind: 'truncate', afterChunks: 4 });
      const { deltas, error } = await run(engineFor());
      expect(deltas).toEqual(REPLY.slice(0, 4));
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ kind: 'unavailable', message: expect.stringContaining('ended before [DONE]') });
    });

    it('fails on an error object in the stream, by its type', async () => {
      fake.misbehave({ kind: 'error', afterChunks: 1 });
      const { deltas, error } = await run(engineFor());
      expect(deltas).toEqual(REPLY.slice(0, 1));
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ kind: 'unavailable', retryable: true, message: expect.stringContaining('The server had an error while processing your request.') });
      fake.misbehave({ kind: 'error', afterChunks: 0, error: { message: 'slow down', type: 'requests', code: 'rate_limit_exceeded' } });
      expect(await failure(engineFor())).toMatchObject({ kind: 'rate_limited' });
      const { fetchImpl } = scriptedFetch(['event: error\ndata: {"message":"overloaded"}\n\n']);
      expect(await failure(engineFor({ fetchImpl }))).toMatchObject({ kind: 'unavailable', message: expect.stringContaining('overloaded') });
    });

    it('fails on a malformed chunk', async () => {
      fake.misbehave({ kind: 'malformed', afterChunks: 2 });
      const { deltas, error } = await run(engineFor());
      expect(deltas).toEqual(REPLY.slice(0, 2));
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ kind: 'unavailable', message: expect.stringContaining('malformed chunk') });
      for (const data of ['42', 'null', '[1]']) {
        const { fetchImpl } = scriptedFetch([`data: ${data}\n\n`, 'data: [DONE]\n\n']);
        expect(await failure(engineFor({ fetchImpl }))).toMatchObject({ kind: 'unavailable', message: expect.stringContaining('malformed') });
      }
    });

    it('fails on a 200 JSON error answer', async () => {
      fake.fault({ answer: { status: 200, body: OpenAiChatFake.errorBody('model overloaded', 'server_error', null) } });
      expect(await failure(engineFor())).toMatchObject({ kind: 'unavailable', message: expect.stringContaining('model overloaded') });
    });
  });

  describe('abort', () => {
    it('stops the HTTP request at once midway and throws the signal reason', async () => {
      fake.chunkDelayMs = 30;
      const controller = new AbortController();
      const reason = new Error('client went away');
      const deltas: string[] = [];
      const done = (async () => {
        for await (const delta of engineFor().reply({ messages: MESSAGES }, controller.signal)) {
          deltas.push(delta);
          if (deltas.length === 2) controller.abort(reason);
        }
      })();
      await expect(done).rejects.toBe(reason);
      expect(deltas).toEqual(REPLY.slice(0, 2));
      await fake.streams[0].closed;
      expect(fake.streams[0]).toMatchObject({ closedEarly: true, finished: false });
    });

    it('stops a stalled request when aborted while waiting, long before any timeout', async () => {
      fake.misbehave({ kind: 'stall', afterChunks: 1 });
      const controller = new AbortController();
      const reason = new Error('stop');
      const iterator = engineFor({ stallTimeoutMs: 60_000 }).reply({ messages: MESSAGES }, controller.signal)[Symbol.asyncIterator]();
      expect(await iterator.next()).toEqual({ done: false, value: REPLY[0] });
      const waiting = iterator.next();
      setTimeout(() => controller.abort(reason), 20);
      await expect(waiting).rejects.toBe(reason);
      await fake.streams[0].closed;
      expect(fake.streams[0].closedEarly).toBe(true);
    });

    it('stops while the answer has not begun, closing the connection', async () => {
      const silent = await silentServer();
      try {
        const controller = new AbortController();
        const reason = new Error('stop');
        setTimeout(() => controller.abort(reason), 20);
        await expect(run(engineFor({ apiUrl: silent.url, firstTokenTimeoutMs: 60_000 }), undefined, controller.signal)).resolves.toMatchObject({ error: reason });
        await silent.closed;
      } finally {
        await silent.stop();
      }
    });

    it('does not start when already aborted', async () => {
      const controller = new AbortController();
      controller.abort(new Error('already'));
      await expect(run(engineFor(), undefined, controller.signal)).resolves.toMatchObject({ error: { message: 'already' } });
      expect(fake.chatCalls).toHaveLength(0);
    });

    it('closes the connection when the consumer stops reading early', async () => {
      fake.chunkDelayMs = 20;
      for await (const delta of engineFor().reply({ messages: MESSAGES }, new AbortController().signal)) {
        expect(delta).toBe(REPLY[0]);
        break;
      }
      await fake.streams[0].closed;
      expect(fake.streams[0].closedEarly).toBe(true);
    });
  });
});
