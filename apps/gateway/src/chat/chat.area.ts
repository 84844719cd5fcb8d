import type { GatewayAreaFactory } from '../gateway-area';
import { ChatController } from './chat.controller';
import { ChatEngines } from './chat-engines';
import { SessionInterrupts } from './session-interrupts';
import { ChatCompletionUseCase } from './use-cases/chat-completion.use-case';

/**
 * Chat completions (docs/chat.md): the conversation engine (an OpenAI-compatible API or
 * the offline scripted responder), the reply streamed back and spoken sentence by
 * sentence as it comes. Uses the providers area's credentials reader (a tenant's own chat API).
 */
export const chatArea: GatewayAreaFactory = () => ({
  controllers: [ChatController],
  providers: [ChatEngines, SessionInterrupts, ChatCompletionUseCase],
});
