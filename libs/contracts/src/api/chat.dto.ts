import { z } from 'zod';
import { entityId, safeText } from './fields';

/**
 * `POST /v1/chat.completions`: the reference's request, answered as server-sent events
 * (`stream: true`) or one JSON completion. The session keeps the conversation: a request
 * carries this turn's new messages only (the user's, and optionally a system message),
 * never the agent's earlier replies — the platform sends the stored conversation to the
 * engine itself.
 */

export const MAX_CHAT_MESSAGES = 16;
export const MAX_CHAT_MESSAGE_LENGTH = 8000;

export const ChatCompletionMessage = z.strictObject({
  role: z.enum(['system', 'user'], {
    error: 'role must be user or system: the session keeps the conversation, so send only this turn’s new messages (no assistant messages)',
  }),
  content: safeText()
    .max(MAX_CHAT_MESSAGE_LENGTH)
    .refine((t) => t.trim().length > 0, 'content must not be empty'),
});
export type ChatCompletionMessage = z.infer<typeof ChatCompletionMessage>;

export const ChatCompletionRequest = z.strictObject({
  session_id: entityId('session_id'),
  messages: z
    .array(ChatCompletionMessage)
    .min(1)
    .max(MAX_CHAT_MESSAGES)
    .refine((messages) => messages.some((m) => m.role === 'user'), 'messages need at least one user message'),
  /** Stream the reply as server-sent events (else one JSON completion when it is done). */
  stream: z.boolean().default(false),
  /** The engine's model; its configured default when absent. */
  model: safeText().min(1).max(128).optional(),
});
export type ChatCompletionRequest = z.input<typeof ChatCompletionRequest>;
export type ParsedChatCompletionRequest = z.output<typeof ChatCompletionRequest>;

/** Why a reply ended: it was complete, or the session was interrupted (or stopped) while it streamed. */
export const CHAT_FINISH_REASONS = ['stop', 'interrupted'] as const;
export type ChatFinishReason = (typeof CHAT_FINISH_REASONS)[number];

/** One streamed piece: `data: {"choices":[{"delta":{"content":"..."}}]}` (the reference's format). */
export interface ChatCompletionChunk {
  choices: Array<{ delta: { content?: string }; finish_reason?: ChatFinishReason }>;
}

/** The answer of a request without `stream` (OpenAI's chat.completion shape, plus the speech it became). */
export const ChatCompletionResponse = z.object({
  id: z.uuid(),
  object: z.literal('chat.completion'),
  /** Seconds since the epoch. */
  created: z.number().int(),
  model: z.string(),
  choices: z.array(
    z.object({
      index: z.number().int(),
      message: z.object({ role: z.literal('assistant'), content: z.string() }),
      finish_reason: z.enum(CHAT_FINISH_REASONS),
    }),
  ),
  /** The speech tasks the reply's sentences became, in speaking order. */
  task_ids: z.array(z.uuid()),
});
export type ChatCompletionResponse = z.infer<typeof ChatCompletionResponse>;

/** One message of a session's conversation, as its history shows it. */
export const ConversationMessage = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
  /** complete; an agent reply may also be streaming, interrupted or failed. */
  status: z.enum(['complete', 'streaming', 'interrupted', 'failed']),
  model: z.string().nullable(),
  created_at: z.string(),
});
export type ConversationMessage = z.infer<typeof ConversationMessage>;
