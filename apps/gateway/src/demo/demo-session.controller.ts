import { Body, Controller, HttpCode, Param, Post, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ChatCompletionRequest, InterruptResponse, SessionIdParam, SessionTokenResponse, SpeakResponse, StopSessionResponse } from '@avatar/contracts';
import { validate } from '../common/zod-validation.pipe';
import { ChatCompletionUseCase, COLLECT_ONLY } from '../chat/use-cases/chat-completion.use-case';
import { IssueSessionTokenUseCase } from '../sessions/use-cases/issue-session-token.use-case';
import { StopSessionUseCase } from '../sessions/use-cases/stop-session.use-case';
import { InterruptUseCase } from '../speech/use-cases/interrupt.use-case';
import { SpeakUseCase } from '../speech/use-cases/speak.use-case';
import { DemoChatResponse, DemoTextRequest } from '@avatar/contracts';
import { DemoSessionGuard } from './demo-session.guard';
import { DemoTenant } from './demo-tenant';

/**
 * One demo session's calls (`/demo/api/sessions/:session_id/...`), authorized by that
 * session's own token (DemoSessionGuard), each the /v1 use case with the demo tenant's
 * scope: avatar.speak, chat.completions (answered whole; the page follows the reply
 * through the socket's `chat` events and tasks), streaming.interrupt, streaming.stop and
 * streaming.token.
 */
@Controller('demo/api/sessions/:session_id')
@UseGuards(DemoSessionGuard)
export class DemoSessionController {
  constructor(
    private readonly demo: DemoTenant,
    private readonly speech: SpeakUseCase,
    private readonly chatCompletion: ChatCompletionUseCase,
    private readonly interruption: InterruptUseCase,
    private readonly stopSession: StopSessionUseCase,
    private readonly issueToken: IssueSessionTokenUseCase,
  ) {}

  @Post('speak')
  @HttpCode(200)
  speak(@Param(validate(SessionIdParam)) params: SessionIdParam, @Body(validate(DemoTextRequest)) body: DemoTextRequest): Promise<SpeakResponse> {
    return this.speech.execute(this.demo.scope, { session_id: params.session_id, text: body.text });
  }

  @Post('chat')
  @HttpCode(200)
  async chat(
    @Param(validate(SessionIdParam)) params: SessionIdParam,
    @Body(validate(DemoTextRequest)) body: DemoTextRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DemoChatResponse> {
    // The page going away ends the reply, as for chat.completions.
    const gone = new AbortController();
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) gone.abort();
    });
    const request = ChatCompletionRequest.parse({ session_id: params.session_id, messages: [{ role: 'user', content: body.text }] });
    const completion = await this.chatCompletion.execute(this.demo.scope, request, COLLECT_ONLY, gone.signal);
    const [choice] = completion.choices;
    return { reply: choice.message.content, finish_reason: choice.finish_reason, task_ids: completion.task_ids };
  }

  @Post('interrupt')
  @HttpCode(200)
  interrupt(@Param(validate(SessionIdParam)) params: SessionIdParam): Promise<InterruptResponse> {
    return this.interruption.execute(this.demo.scope, params.session_id);
  }

  @Post('stop')
  @HttpCode(200)
  stop(@Param(validate(SessionIdParam)) params: SessionIdParam): Promise<StopSessionResponse> {
    return this.stopSession.execute(this.demo.scope, params.session_id);
  }

  @Post('token')
  @HttpCode(200)
  token(@Param(validate(SessionIdParam)) params: SessionIdParam): Promise<SessionTokenResponse> {
    return this.issueToken.execute(this.demo.scope, params.session_id);
  }
}
