import { EventEmitter } from 'node:events';
import { RequestMethod } from '@nestjs/common';
import { GUARDS_METADATA, HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import type { FastifyReply } from 'fastify';
import { ChatCompletionResponse, ParsedChatCompletionRequest, PlatformError, TenantScopes, V1_ROUTES } from '@avatar/contracts';
import { ProviderError } from '@avatar/providers';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { REQUIRED_SCOPE } from '../auth/required-scope.decorator';
import { RATE_LIMIT_METADATA } from '../limits/tenant-rate-limits';
import { TenantThrottlerGuard } from '../limits/tenant-throttler.guard';
import { ChatController } from './chat.controller';
import { ChatCompletionUseCase, ChatReplySink, COLLECT_ONLY } from './use-cases/chat-completion.use-case';

const TENANT = TenantScopes.ofRecord('tenant-1');
const SESSION = '22222222-2222-4222-8222-222222222222';
const REPLY = '55555555-5555-4555-8555-555555555555';

function completion(content: string, finish: 'stop' | 'interrupted' = 'stop'): ChatCompletionResponse {
  return { id: REPLY, object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: finish }], task_ids: [] };
}

/** A FastifyReply as the controller and its SseReply use it: status/send for JSON, hijack and the raw response for SSE. */
function fakeReply() {
  const written: string[] = [];
  const raw = Object.assign(new EventEmitter(), {
    writableEnded: false,
    writableFinished: false,
    writeHead: jest.fn(),
    flushHeaders: jest.fn(),
    write: jest.fn((chunk: string) => written.push(chunk) > 0),
    end: jest.fn(() => {
      raw.writableEnded = true;
    }),
  });
  const reply = {
    raw,
    hijack: jest.fn(),
    getHeaders: jest.fn(() => ({ traceparent: '00-abc-def-01' })),
    status: jest.fn((_code: number): unknown => reply),
    send: jest.fn(async (_payload: unknown): Promise<unknown> => reply),
  };
  return { reply, raw, written, asFastify: reply as unknown as FastifyReply };
}

function setup(execute: (sink: ChatReplySink, signal: AbortSignal) => Promise<ChatCompletionResponse>) {
  const chat = { execute: jest.fn((_t: string, _body: ParsedChatCompletionRequest, sink: ChatReplySink, signal: AbortSignal) => execute(sink, signal)) };
  const controller = new ChatController(chat as unknown as ChatCompletionUseCase);
  return { controller, chat, ...fakeReply() };
}

const body = (stream: boolean): ParsedChatCompletionRequest => ({ session_id: SESSION, messages: [{ role: 'user', content: 'Hi' }], stream });

describe('ChatController', () => {
  it('serves POST /v1/chat.completions behind the tenant API key, with the route scope and the chat rate limit', () => {
    const handler = ChatController.prototype.complete;

    expect(Reflect.getMetadata(PATH_METADATA, ChatController)).toBe('v1');
    expect(Reflect.getMetadata(GUARDS_METADATA, ChatController)).toEqual([ApiKeyGuard]);
    expect(Reflect.getMetadata(PATH_METADATA, handler)).toBe('chat.completions');
    expect(Reflect.getMetadata(METHOD_METADATA, handler)).toBe(RequestMethod.POST);
    expect(Reflect.getMetadata(HTTP_CODE_METADATA, handler)).toBe(200);
    expect(Reflect.getMetadata(REQUIRED_SCOPE, handler)).toBe(V1_ROUTES.chatCompletion.scope);
    expect(Reflect.getMetadata(RATE_LIMIT_METADATA, handler)).toBe('chat');
    expect(Reflect.getMetadata(GUARDS_METADATA, handler)).toEqual([TenantThrottlerGuard]);
  });

  it('answers one JSON completion without stream, nothing streamed', async () => {
    const t = setup(async () => completion('Hello.'));

    await t.controller.complete(TENANT, body(false), t.asFastify);

    expect(t.chat.execute).toHaveBeenCalledWith(TENANT, body(false), COLLECT_ONLY, expect.any(AbortSignal));
    expect(t.reply.status).toHaveBeenCalledWith(200);
    expect(t.reply.send).toHaveBeenCalledWith(completion('Hello.'));
    expect(t.reply.hijack).not.toHaveBeenCalled();
  });

  it('streams the pieces as server-sent events, then the finish reason and [DONE]', async () => {
    const t = setup(async (sink) => {
      sink.started();
      sink.delta('Hel');
      sink.delta('lo.');
      return completion('Hello.', 'interrupted');
    });

    await t.controller.complete(TENANT, body(true), t.asFastify);

    expect(t.reply.hijack).toHaveBeenCalledTimes(1);
    expect(t.raw.writeHead).toHaveBeenCalledWith(200, expect.objectContaining({ 'content-type': 'text/event-stream; charset=utf-8', traceparent: '00-abc-def-01' }));
    expect(t.written.join('')).toBe(
      'data: {"choices":[{"delta":{"content":"Hel"}}]}\n\n' +
        'data: {"choices":[{"delta":{"content":"lo."}}]}\n\n' +
        'data: {"choices":[{"delta":{},"finish_reason":"interrupted"}]}\n\n' +
        'data: [DONE]\n\n',
    );
    expect(t.reply.send).not.toHaveBeenCalled();
  });

  it('rethrows a failure before the first piece (the error filter answers with its status), nothing streamed', async () => {
    const failure = PlatformError.sessionNotActive(SESSION, 'stopped');
    const t = setup(async () => {
      throw failure;
    });

    await expect(t.controller.complete(TENANT, body(true), t.asFastify)).rejects.toBe(failure);

    expect(t.reply.hijack).not.toHaveBeenCalled();
    expect(t.raw.writeHead).not.toHaveBeenCalled();
    expect(t.written).toEqual([]);
  });

  it('tells a failure after the first piece inside the stream: an error event with its envelope, then [DONE]', async () => {
    const t = setup(async (sink) => {
      sink.started();
      sink.delta('Hel');
      throw new ProviderError('chat: stalled', { kind: 'timeout', provider: 'chat' });
    });

    await expect(t.controller.complete(TENANT, body(true), t.asFastify)).resolves.toBeUndefined();

    expect(t.written).toEqual([
      'data: {"choices":[{"delta":{"content":"Hel"}}]}\n\n',
      'data: {"error":{"code":"PROVIDER_TIMEOUT","message":"chat: stalled","details":{"provider":"chat","kind":"timeout","retryable":true}}}\n\n',
      'data: [DONE]\n\n',
    ]);
    expect(t.raw.end).toHaveBeenCalledTimes(1);
  });

  it.each([true, false])('ends the reply when the client closes the connection early (stream: %s)', async (stream) => {
    let signal: AbortSignal | undefined;
    const t = setup(async (sink, s) => {
      signal = s;
      if (stream) sink.started();
      t.raw.emit('close');
      return completion('');
    });

    await t.controller.complete(TENANT, body(stream), t.asFastify);

    expect(signal?.aborted).toBe(true);
  });

  it('does not abort on the close that follows a response sent in full', async () => {
    let signal: AbortSignal | undefined;
    const t = setup(async (_sink, s) => {
      signal = s;
      return completion('Hello.');
    });

    await t.controller.complete(TENANT, body(false), t.asFastify);
    t.raw.writableFinished = true;
    t.raw.emit('close');

    expect(signal?.aborted).toBe(false);
  });
});
