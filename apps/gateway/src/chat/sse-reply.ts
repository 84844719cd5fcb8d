import type { FastifyReply } from 'fastify';
import type { ChatCompletionChunk, ChatFinishReason, ErrorEnvelope } from '@avatar/contracts';

/**
 * A chat reply as server-sent events, in the reference's format:
 * `data: {"choices":[{"delta":{"content":"..."}}]}` per piece, a last chunk with the
 * finish reason, then `data: [DONE]`. A reply that fails once streaming has begun (the
 * status line is out) ends with `data: {"error":{code,message,details}}` and
 * `data: [DONE]`: the client always sees how it ended.
 */
export class SseReply {
  private opened = false;

  constructor(private readonly reply: FastifyReply) {}

  get isOpen(): boolean {
    return this.opened;
  }

  /** Commits to 200: the headers the request gathered so far (trace, rate limit) go out with it. */
  open(): void {
    if (this.opened) return;
    this.opened = true;
    this.reply.hijack();
    const headers = { ...this.reply.getHeaders() } as Record<string, string | number | string[]>;
    delete headers['content-length'];
    this.reply.raw.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      // Proxies (nginx) must pass each piece on at once.
      'x-accel-buffering': 'no',
    });
    this.reply.raw.flushHeaders();
  }

  delta(content: string): void {
    this.send<ChatCompletionChunk>({ choices: [{ delta: { content } }] });
  }

  finish(reason: ChatFinishReason): void {
    this.open();
    this.send<ChatCompletionChunk>({ choices: [{ delta: {}, finish_reason: reason }] });
    this.end();
  }

  fail(envelope: ErrorEnvelope): void {
    this.send(envelope);
    this.end();
  }

  private send<T>(data: T): void {
    if (!this.reply.raw.writableEnded) this.reply.raw.write(`data: ${JSON.stringify(data)}\n\n`);
  }

  private end(): void {
    if (this.reply.raw.writableEnded) return;
    this.reply.raw.write('data: [DONE]\n\n');
    this.reply.raw.end();
  }
}
