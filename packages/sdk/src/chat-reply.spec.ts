import { ChatReply } from './chat-reply';
import { AvatarApiError } from './errors';

/** A response whose body arrives in the given pieces. */
function sse(pieces: string[]): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const piece of pieces) controller.enqueue(encoder.encode(piece));
      controller.close();
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
}
const chunk = (content: string) => `data: ${JSON.stringify({ choices: [{ delta: { content } }] })}\n\n`;
const finish = (reason: string) => `data: ${JSON.stringify({ choices: [{ delta: {}, finish_reason: reason }] })}\n\n`;

describe('ChatReply', () => {
  it('iterates the deltas as they come and awaits to the whole text', async () => {
    const pieces = [chunk('Hello'), chunk(', wor').slice(0, 10), chunk(', wor').slice(10), chunk('ld.'), finish('stop'), 'data: [DONE]\n\n'];
    const deltas: string[] = [];
    for await (const delta of new ChatReply(async () => sse(pieces))) deltas.push(delta);
    expect(deltas).toEqual(['Hello', ', wor', 'ld.']);
    await expect(new ChatReply(async () => sse(pieces))).resolves.toBe('Hello, world.');
    await expect(new ChatReply(async () => sse(pieces)).result).resolves.toEqual({ text: 'Hello, world.', finishReason: 'stop' });
  });

  it('reports an interrupted reply as such', async () => {
    const reply = new ChatReply(async () => sse([chunk('Half'), finish('interrupted'), 'data: [DONE]\n\n']));
    await expect(reply.result).resolves.toEqual({ text: 'Half', finishReason: 'interrupted' });
  });

  it('ends with the platform’s error when the stream carries one, after the deltas before it', async () => {
    const reply = new ChatReply(async () => sse([chunk('Start'), `data: ${JSON.stringify({ error: { code: 'PROVIDER_TIMEOUT', message: 'stalled', details: {} } })}\n\n`, 'data: [DONE]\n\n']));
    const deltas: string[] = [];
    const error = await (async () => {
      for await (const delta of reply) deltas.push(delta);
    })().catch((e) => e);
    expect(deltas).toEqual(['Start']);
    expect(error).toBeInstanceOf(AvatarApiError);
    expect(error.code).toBe('PROVIDER_TIMEOUT');
  });

  it('fails a stream cut before [DONE] instead of passing a partial reply off as whole', async () => {
    await expect(new ChatReply(async () => sse([chunk('Cut')])).result).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
  });

  it('rejects with the request’s error when the reply never started', async () => {
    const refused = new AvatarApiError(409, 'SESSION_NOT_ACTIVE', 'stopped');
    await expect(new ChatReply(async () => Promise.reject(refused))).rejects.toBe(refused);
  });
});
