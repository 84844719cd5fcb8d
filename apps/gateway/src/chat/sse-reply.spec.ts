import type { FastifyReply } from 'fastify';
import { SseReply } from './sse-reply';

/** The part of a FastifyReply SseReply touches: hijack, the gathered headers, and the raw response. */
function fakeReply(headers: Record<string, string | number | string[]> = {}) {
  const written: string[] = [];
  const raw = {
    writableEnded: false,
    writeHead: jest.fn(),
    flushHeaders: jest.fn(),
    write: jest.fn((chunk: string) => {
      written.push(chunk);
      return true;
    }),
    end: jest.fn(() => {
      raw.writableEnded = true;
    }),
  };
  const reply = { hijack: jest.fn(), getHeaders: jest.fn(() => ({ ...headers })), raw };
  return { reply: reply as unknown as FastifyReply, hijack: reply.hijack, raw, written, body: () => written.join('') };
}

describe('SseReply', () => {
  it('opens with 200, the event-stream headers and the headers gathered so far (trace, rate limit), without content-length', () => {
    const t = fakeReply({ traceparent: '00-abc-def-01', 'x-ratelimit-limit': 10, 'x-ratelimit-remaining': 9, 'content-length': 42 });
    const sse = new SseReply(t.reply);

    expect(sse.isOpen).toBe(false);
    sse.open();

    expect(sse.isOpen).toBe(true);
    expect(t.hijack).toHaveBeenCalledTimes(1);
    expect(t.raw.writeHead).toHaveBeenCalledWith(200, {
      traceparent: '00-abc-def-01',
      'x-ratelimit-limit': 10,
      'x-ratelimit-remaining': 9,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    expect(t.raw.flushHeaders).toHaveBeenCalledTimes(1);
    expect(t.written).toEqual([]);
  });

  it('opens once: a second open writes no second status line', () => {
    const t = fakeReply();
    const sse = new SseReply(t.reply);

    sse.open();
    sse.open();

    expect(t.hijack).toHaveBeenCalledTimes(1);
    expect(t.raw.writeHead).toHaveBeenCalledTimes(1);
    expect(t.raw.flushHeaders).toHaveBeenCalledTimes(1);
  });

  it('writes each piece as one data event in the reference format, then the finish reason chunk and [DONE]', () => {
    const t = fakeReply();
    const sse = new SseReply(t.reply);

    sse.open();
    sse.delta('Hello');
    sse.delta(' "world"\n');
    sse.finish('stop');

    expect(t.body()).toBe(
      'data: {"choices":[{"delta":{"content":"Hello"}}]}\n\n' +
        'data: {"choices":[{"delta":{"content":" \\"world\\"\\n"}}]}\n\n' +
        'data: {"choices":[{"delta":{},"finish_reason":"stop"}]}\n\n' +
        'data: [DONE]\n\n',
    );
    expect(t.raw.end).toHaveBeenCalledTimes(1);
  });

  it('finish opens the stream itself when no piece came (an empty reply still answers 200 with its finish reason)', () => {
    const t = fakeReply();
    const sse = new SseReply(t.reply);

    sse.finish('interrupted');

    expect(t.raw.writeHead).toHaveBeenCalledTimes(1);
    expect(t.body()).toBe('data: {"choices":[{"delta":{},"finish_reason":"interrupted"}]}\n\ndata: [DONE]\n\n');
  });

  it('fail ends the stream with the error envelope, then [DONE]', () => {
    const t = fakeReply();
    const sse = new SseReply(t.reply);
    sse.open();
    sse.delta('Hi');

    sse.fail({ error: { code: 'PROVIDER_TIMEOUT', message: 'no token', details: { provider: 'chat', retryable: true } } });

    expect(t.written.slice(1)).toEqual([
      'data: {"error":{"code":"PROVIDER_TIMEOUT","message":"no token","details":{"provider":"chat","retryable":true}}}\n\n',
      'data: [DONE]\n\n',
    ]);
    expect(t.raw.end).toHaveBeenCalledTimes(1);
  });

  it('writes nothing once the response ended (client gone, or the reply already finished)', () => {
    const t = fakeReply();
    const sse = new SseReply(t.reply);
    sse.open();
    sse.finish('stop');
    const before = t.written.length;

    sse.delta('late');
    sse.finish('stop');
    sse.fail({ error: { code: 'PROVIDER_ERROR', message: 'late', details: {} } });

    expect(t.written).toHaveLength(before);
    expect(t.raw.end).toHaveBeenCalledTimes(1);
  });
});
