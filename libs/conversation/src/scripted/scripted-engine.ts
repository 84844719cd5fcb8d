import { ChatMessage, ConversationEngine, ConversationRequest } from '../conversation-engine';

export const SCRIPTED_ENGINE = 'scripted';

/** How every scripted reply begins: nobody should take it for a language model. */
export const SCRIPTED_DISCLAIMER = '(Offline scripted responder — no chat model is configured.)';

export interface ScriptedEngineOptions {
  /** Pause before each word-sized delta (default 30 ms), so consumers see a reply arrive the way a model's does. */
  delayMs?: number;
  /** The most of the user's words echoed back (default 200 characters). */
  maxEchoChars?: number;
}

/** The fixed lines, picked by the simplest of patterns on what the user said. */
const LINES = {
  greeting: 'Hello! I can only echo what you say and read a few fixed lines.',
  question: 'That sounds like a question, but I cannot answer it: I follow a fixed script and know nothing else.',
  statement: 'I do not understand it; I only repeat it back.',
  silence: 'I received no words to echo.',
  closing: 'Configure a chat model to have a real conversation.',
} as const;

const GREETING = /^(hi|hello|hey|hiya|howdy|greetings|good (morning|afternoon|evening|day))\b/i;

/**
 * The engine used when no chat model is configured (development, demos, tests): it
 * says plainly that it is an offline script, echoes the user's last message (bounded)
 * and adds a canned line chosen by a simple pattern (greeting, question, anything else).
 * Deterministic: the same conversation always gets the same reply. It streams
 * word-sized deltas with a small delay so everything downstream (sentence splitting,
 * speech, client streaming, aborts) runs as it does with a real model.
 */
export class ScriptedEngine implements ConversationEngine {
  readonly name = SCRIPTED_ENGINE;
  readonly defaultModel = SCRIPTED_ENGINE;
  private readonly delayMs: number;
  private readonly maxEchoChars: number;

  constructor(options: ScriptedEngineOptions = {}) {
    this.delayMs = options.delayMs ?? 30;
    this.maxEchoChars = options.maxEchoChars ?? 200;
  }

  reply(request: ConversationRequest, signal: AbortSignal): AsyncIterable<string> {
    return this.stream(scriptedReply(request.messages, this.maxEchoChars), signal);
  }

  private async *stream(text: string, signal: AbortSignal): AsyncGenerator<string> {
    for (const delta of wordDeltas(text)) {
      signal.throwIfAborted();
      if (this.delayMs > 0) await sleep(this.delayMs, signal);
      yield delta;
    }
  }
}

/** The whole scripted reply to a conversation (what the deltas add up to). */
export function scriptedReply(messages: ChatMessage[], maxEchoChars = 200): string {
  const said = [...messages].reverse().find((m) => m.role === 'user')?.content.replace(/\s+/g, ' ').trim() ?? '';
  if (!said) return `${SCRIPTED_DISCLAIMER} ${LINES.silence} ${LINES.closing}`;
  const line = GREETING.test(said) ? LINES.greeting : said.endsWith('?') ? LINES.question : LINES.statement;
  return `${SCRIPTED_DISCLAIMER} You said: "${echo(said, maxEchoChars)}" ${line} ${LINES.closing}`;
}

/** The user's words, cut at a word boundary when too long. */
function echo(said: string, maxChars: number): string {
  if (said.length <= maxChars) return said;
  const cut = said.slice(0, maxChars);
  const space = cut.lastIndexOf(' ');
  const kept = space > maxChars / 2 ? cut.slice(0, space) : isHighSurrogate(cut.charCodeAt(cut.length - 1)) ? cut.slice(0, -1) : cut;
  return `${kept.trimEnd()}…`;
}

/** `Hello there.` → `Hello`, ` there.`: each word with the space before it, as models stream. */
function wordDeltas(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
