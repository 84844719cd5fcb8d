/**
 * The seam a chat reply comes through (`POST /v1/chat.completions`): an engine turns
 * a conversation into a reply streamed as text deltas. Failures are ProviderErrors
 * (typed: auth, rate_limited, timeout, unavailable…), like any vendor call, so they
 * map to the same PROVIDER_* envelope.
 */

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export interface ConversationRequest {
  /** The whole conversation so far, oldest first, ending with the user's turn. */
  messages: ChatMessage[];
  /** The model to ask (the engine's configured default when absent). */
  model?: string;
}

export interface ConversationEngine {
  /** `openai-compatible` or `scripted`: said in answers and logs, so nobody mistakes one for the other. */
  readonly name: string;
  /** The model that answers when a request names none. */
  readonly defaultModel: string;
  /**
   * The reply, as text deltas in order. Ends when the reply is complete; throws a
   * ProviderError when the upstream fails (before or midway) or stalls, and the signal's
   * reason when the signal aborts (the upstream request is cut off either way).
   */
  reply(request: ConversationRequest, signal: AbortSignal): AsyncIterable<string>;
}
