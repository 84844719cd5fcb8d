import type { ChatCompletionChunk, ChatFinishReason, ErrorEnvelope } from './contracts';
import { AvatarApiError, AvatarSdkError, isErrorEnvelope } from './errors';
import { SseParser } from './sse';

export interface ChatResult {
  /** The whole reply. */
  text: string;
  /** stop: complete; interrupted: the session was interrupted (or stopped) while it streamed. */
  finishReason: ChatFinishReason;
}

/**
 * A chat reply as it streams (`POST /v1/chat.completions` with `stream: true`): iterate
 * it for the deltas (`for await (const delta of session.chat('Hi'))`), or await it for
 * the whole text (`const text = await session.chat('Hi')`). The avatar speaks each
 * sentence as it completes, whichever you do. A failure before the first token rejects
 * with the platform's error (AvatarApiError); one after it ends the stream with it.
 */
export class ChatReply implements AsyncIterable<string>, PromiseLike<string> {
  private readonly deltas: string[] = [];
  private waiting: (() => void) | null = null;
  private ended = false;
  private failure: Error | null = null;
  private readonly abort = new AbortController();
  /** Resolves with the whole reply and how it ended. */
  readonly result: Promise<ChatResult>;

  constructor(request: (signal: AbortSignal) => Promise<Response>) {
    this.result = this.pump(request);
    // Nobody may ever await the result (iterating only): its rejection is seen by the iterator.
    this.result.catch(() => undefined);
  }

  then<A = string, B = never>(onFulfilled?: ((text: string) => A | PromiseLike<A>) | null, onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.result.then((r) => r.text).then(onFulfilled, onRejected);
  }

  /** Stops reading the reply (the request is aborted; sentences already queued are still spoken: interrupt for silence). */
  cancel(): void {
    this.abort.abort();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    for (let i = 0; ; i++) {
      while (i >= this.deltas.length && !this.ended) await new Promise<void>((resolve) => (this.waiting = resolve));
      if (i < this.deltas.length) {
        yield this.deltas[i];
        continue;
      }
      if (this.failure) throw this.failure;
      return;
    }
  }

  private async pump(request: (signal: AbortSignal) => Promise<Response>): Promise<ChatResult> {
    let text = '';
    let finishReason: ChatFinishReason | undefined;
    try {
      const response = await request(this.abort.signal);
      const reader = response.body?.getReader();
      if (!reader) throw new AvatarSdkError('BAD_RESPONSE', 'the chat reply has no body');
      const decoder = new TextDecoder();
      const parser = new SseParser();
      let done = false;
      while (!done) {
        const chunk = await reader.read();
        const payloads = chunk.done ? parser.push(`${decoder.decode()}\n\n`) : parser.push(decoder.decode(chunk.value, { stream: true }));
        for (const payload of payloads) {
          if (payload === '[DONE]') {
            done = true;
            break;
          }
          const data = JSON.parse(payload) as ChatCompletionChunk | ErrorEnvelope;
          if (isErrorEnvelope(data)) throw AvatarApiError.fromEnvelope(200, data);
          for (const choice of (data as ChatCompletionChunk).choices ?? []) {
            if (choice.delta?.content) {
              text += choice.delta.content;
              this.push(choice.delta.content);
            }
            if (choice.finish_reason) finishReason = choice.finish_reason;
          }
        }
        if (chunk.done && !done) throw new AvatarSdkError('CONNECTION_CLOSED', 'the chat stream ended before [DONE]');
      }
      await reader.cancel().catch(() => undefined);
      if (!finishReason) throw new AvatarSdkError('BAD_RESPONSE', 'the chat stream ended without a finish reason');
      return { text, finishReason };
    } catch (error) {
      this.failure = this.abort.signal.aborted ? new AvatarSdkError('ABORTED', 'the chat reply was cancelled', error) : (error as Error);
      throw this.failure;
    } finally {
      this.ended = true;
      this.wake();
    }
  }

  private push(delta: string): void {
    this.deltas.push(delta);
    this.wake();
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.();
  }
}
