import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { context, trace } from '@opentelemetry/api';
import { ChatCompletionResponse, ChatEvent, ChatFinishReason, ParsedChatCompletionRequest, PlatformError, TenantScope } from '@avatar/contracts';
import { ChatMessage, SentenceSplitter } from '@avatar/conversation';
import { ChatMessagesRepository } from '@avatar/persistence';
import { EventPublisher } from '@avatar/messaging';
import { ATTR, failSpan, iterateIn, platformTracer, scopeAttributes } from '@avatar/observability';
import { ProviderError } from '@avatar/providers';
import { SpeechTaskQueue } from '@avatar/speech';
import { GATEWAY_CONFIG, GatewayConfig } from '../../gateway-config';
import { TenantSettingsCache } from '../../tenancy/tenant-settings.cache';
import { ChatEngines } from '../chat-engines';
import { ReplySpeech } from '../reply-speech';
import { SessionInterrupts } from '../session-interrupts';

/** Where a reply's text goes as it streams (the SSE writer; nothing for a JSON answer). */
export interface ChatReplySink {
  /** The first piece is here: from now on a failure can only be told inside the stream. */
  started(): void;
  delta(text: string): void;
}

/** A sink for an answer given whole at the end. */
export const COLLECT_ONLY: ChatReplySink = { started: () => undefined, delta: () => undefined };

/**
 * chat.completions: the user's turn joins the session's conversation (persisted, and a
 * `chat` event on the socket), the engine gets the conversation and streams its reply,
 * and each sentence is queued for the avatar the moment it is complete, so speech starts
 * long before the reply ends. An interrupt of the session (any route) or the client
 * going away ends the reply: the engine is cut off and nothing more is queued. The
 * reply is stored with how it ended (complete, interrupted, failed) and goes out as a
 * `chat` event of the agent.
 */
@Injectable()
export class ChatCompletionUseCase {
  constructor(
    private readonly chat: ChatMessagesRepository,
    private readonly speech: SpeechTaskQueue,
    private readonly events: EventPublisher,
    private readonly engines: ChatEngines,
    private readonly interrupts: SessionInterrupts,
    private readonly settings: TenantSettingsCache,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async execute(tenantId: TenantScope, request: ParsedChatCompletionRequest, sink: ChatReplySink, signal: AbortSignal): Promise<ChatCompletionResponse> {
    const sessionId = request.session_id;
    const scope = { tenantId, sessionId };
    const engine = await this.engines.for(tenantId);
    const model = request.model ?? engine.defaultModel;
    const replyId = randomUUID();
    const turn = await this.chat.startTurn(tenantId, sessionId, { messages: request.messages.map((m) => ({ id: randomUUID(), ...m })), reply: { id: replyId, model } });
    if (turn.outcome === 'session_not_found') throw PlatformError.sessionNotFound(sessionId);
    if (turn.outcome === 'session_not_active') throw PlatformError.sessionNotActive(sessionId, turn.status, ': start it before chatting');
    const userEvents = request.messages.filter((m) => m.role === 'user').map((m): ChatEvent => ({ type: 'chat', role: 'user', content: m.content }));
    await this.events.publishAll(scope, userEvents);

    const { max_queued_tasks_per_session: maxPending } = (await this.settings.settingsOf(tenantId)).quotas;
    const speech = new ReplySpeech(this.speech, this.events, { tenantId, sessionId, replyId, interruptSeq: turn.interruptSeq, maxPending, wordsPerMinute: this.config.SPEECH_WORDS_PER_MINUTE });
    const stop = new AbortController();
    const onClientGone = () => stop.abort();
    signal.addEventListener('abort', onClientGone, { once: true });
    const unwatch = this.interrupts.watch(scope, () => stop.abort());
    let content = '';
    let finish: ChatFinishReason = 'stop';
    // The engine's stream (its upstream HTTP call) in a span of its own; each sentence's
    // speech.enqueue stays a child of the request's span.
    let engineOutcome: string | undefined;
    const engineSpan = platformTracer().startSpan('chat.engine', { attributes: { ...scopeAttributes(scope), [ATTR.CHAT_ENGINE]: engine.name, 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': model } });
    try {
      const splitter = new SentenceSplitter();
      const conversation = await this.conversationOf(tenantId, sessionId, replyId);
      for await (const delta of iterateIn(engine.reply({ messages: conversation, model }, stop.signal), trace.setSpan(context.active(), engineSpan))) {
        if (delta === '') continue;
        if (content === '') sink.started();
        content += delta;
        sink.delta(delta);
        if (!(await this.sayAll(speech, splitter.push(delta)))) {
          finish = 'interrupted';
          break;
        }
      }
      const rest = finish === 'stop' ? splitter.flush() : undefined;
      if (rest && !(await speech.say(rest))) finish = 'interrupted';
    } catch (err) {
      if (!stop.signal.aborted) {
        failSpan(engineSpan, err);
        engineOutcome = 'failed';
        await this.chat.endReply(tenantId, replyId, content, 'failed');
        throw chatFailure(err);
      }
      finish = 'interrupted';
    } finally {
      unwatch();
      signal.removeEventListener('abort', onClientGone);
      engineSpan.setAttribute(ATTR.OUTCOME, engineOutcome ?? (stop.signal.aborted ? 'interrupted' : finish));
      engineSpan.end();
    }
    if (stop.signal.aborted) finish = 'interrupted';
    await this.chat.endReply(tenantId, replyId, content, finish === 'stop' ? 'complete' : 'interrupted');
    if (content.trim()) await this.events.publish(scope, { type: 'chat', role: 'agent', content });
    return {
      id: replyId,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: finish }],
      task_ids: speech.taskIds,
    };
  }

  /** The stored conversation the engine answers: this turn included, this reply's empty placeholder and empty replies left out. */
  private async conversationOf(tenantId: TenantScope, sessionId: string, replyId: string): Promise<ChatMessage[]> {
    const stored = await this.chat.conversation(tenantId, sessionId, this.config.CHAT_HISTORY_MESSAGES);
    return stored.filter((m) => m.id !== replyId && m.content.trim() !== '').map((m) => ({ role: m.role, content: m.content }));
  }

  private async sayAll(speech: ReplySpeech, sentences: string[]): Promise<boolean> {
    for (const sentence of sentences) if (!(await speech.say(sentence))) return false;
    return true;
  }
}

/** An engine failure as the API tells it: its PROVIDER_* code and details (retry_after included). */
export function chatFailure(err: unknown): PlatformError {
  if (err instanceof PlatformError) return err;
  if (err instanceof ProviderError) return new PlatformError(err.code, err.message, { ...err.toDetails() });
  return new PlatformError('PROVIDER_ERROR', `chat engine failed: ${(err as Error)?.message ?? err}`, { provider: 'chat' });
}
