import type { TenantScope } from '@avatar/contracts';
import { Body, Controller, HttpCode, Post, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { API_PREFIX, ChatCompletionRequest, ChatCompletionResponse, ParsedChatCompletionRequest, V1_ROUTES } from '@avatar/contracts';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { RequiredScope } from '../auth/required-scope.decorator';
import { TenantId } from '../auth/tenant-id.decorator';
import { RateLimit } from '../limits/rate-limit.decorator';
import { validate } from '../common/zod-validation.pipe';
import { SseReply } from './sse-reply';
import { chatFailure, ChatCompletionUseCase, COLLECT_ONLY } from './use-cases/chat-completion.use-case';

/**
 * POST /v1/chat.completions: `stream: true` answers server-sent events once the first
 * piece of the reply is in (a failure before that is a normal error answer with its
 * status); otherwise one JSON completion. The client closing the connection ends the reply.
 */
@Controller(API_PREFIX)
@UseGuards(ApiKeyGuard)
export class ChatController {
  constructor(private readonly chat: ChatCompletionUseCase) {}

  @RequiredScope(V1_ROUTES.chatCompletion.scope)
  @RateLimit('chat')
  @Post(V1_ROUTES.chatCompletion.path)
  @HttpCode(200)
  async complete(
    @TenantId() tenantId: TenantScope,
    @Body(validate(ChatCompletionRequest)) body: ParsedChatCompletionRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const gone = new AbortController();
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) gone.abort();
    });
    if (!body.stream) {
      const completion: ChatCompletionResponse = await this.chat.execute(tenantId, body, COLLECT_ONLY, gone.signal);
      await reply.status(200).send(completion);
      return;
    }
    const sse = new SseReply(reply);
    try {
      const completion = await this.chat.execute(tenantId, body, { started: () => sse.open(), delta: (text) => sse.delta(text) }, gone.signal);
      sse.finish(completion.choices[0].finish_reason);
    } catch (err) {
      // Before the first piece the status line is not out: the error filter answers.
      if (!sse.isOpen) throw err;
      sse.fail(chatFailure(err).toEnvelope());
    }
  }
}
