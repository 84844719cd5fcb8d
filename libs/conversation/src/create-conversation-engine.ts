import { ConversationEngine } from './conversation-engine';
import { OpenAiCompatibleEngine } from './openai/openai-compatible-engine';
import { ScriptedEngine } from './scripted/scripted-engine';

/** What configures the chat engine; every field optional (nothing set: the offline scripted engine). */
export interface ConversationSettings {
  /** An OpenAI-compatible API's base (`https://api.openai.com/v1`, `http://localhost:11434/v1`): set, it is used; unset, the scripted engine answers. */
  apiUrl?: string;
  apiKey?: string;
  /** The default model. */
  model?: string;
  firstTokenTimeoutMs?: number;
  stallTimeoutMs?: number;
  maxReplyChars?: number;
  /** The scripted engine's pause per delta (ms). */
  scriptedDelayMs?: number;
  fetchImpl?: typeof fetch;
}

/**
 * The engine the settings ask for: an OpenAI-compatible API when `apiUrl` is set,
 * otherwise the offline ScriptedEngine (which says so in every reply). An API key
 * without a URL is not enough: the URL is never guessed.
 */
export function createConversationEngine(settings: ConversationSettings = {}): ConversationEngine {
  const apiUrl = settings.apiUrl?.trim();
  if (!apiUrl) return new ScriptedEngine({ delayMs: settings.scriptedDelayMs });
  return new OpenAiCompatibleEngine({
    apiUrl,
    apiKey: settings.apiKey?.trim() || undefined,
    model: settings.model?.trim() || undefined,
    firstTokenTimeoutMs: settings.firstTokenTimeoutMs,
    stallTimeoutMs: settings.stallTimeoutMs,
    maxReplyChars: settings.maxReplyChars,
    fetchImpl: settings.fetchImpl,
  });
}
