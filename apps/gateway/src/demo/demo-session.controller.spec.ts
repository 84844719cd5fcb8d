import { RequestMethod } from '@nestjs/common';
import { GUARDS_METADATA, HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import type { FastifyReply } from 'fastify';
import { EventEmitter } from 'node:events';
import { TenantScopes } from '@avatar/contracts';
import type { ChatCompletionUseCase } from '../chat/use-cases/chat-completion.use-case';
import type { IssueSessionTokenUseCase } from '../sessions/use-cases/issue-session-token.use-case';
import type { StopSessionUseCase } from '../sessions/use-cases/stop-session.use-case';
import type { InterruptUseCase } from '../speech/use-cases/interrupt.use-case';
import type { SpeakUseCase } from '../speech/use-cases/speak.use-case';
import { DemoSessionController } from './demo-session.controller';
import { DemoSessionGuard } from './demo-session.guard';
import type { DemoTenant } from './demo-tenant';

const TENANT = TenantScopes.ofRecord('00000000-0000-4000-8000-00000000de00');
const SESSION = '11111111-1111-4111-8111-111111111111';
const params = { session_id: SESSION };

function setup() {
  const use = {
    speak: { execute: jest.fn().mockResolvedValue({ task_id: 't1', status: 'processing', duration_estimate: 1.5 }) },
    chat: {
      execute: jest.fn().mockResolvedValue({
        id: 'r1',
        object: 'chat.completion',
        created: 1,
        model: 'scripted',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Hi there.' }, finish_reason: 'stop' }],
        task_ids: ['t2'],
      }),
    },
    interrupt: { execute: jest.fn().mockResolvedValue({ status: 'interrupted', interrupted_task_ids: ['t1'] }) },
    stop: { execute: jest.fn().mockResolvedValue({ status: 'stopped', duration: 4.2, billed_seconds: 5 }) },
    token: { execute: jest.fn().mockResolvedValue({ access_token: 'fresh', expires_in: 3600 }) },
  };
  const controller = new DemoSessionController(
    { scope: TENANT } as DemoTenant,
    use.speak as unknown as SpeakUseCase,
    use.chat as unknown as ChatCompletionUseCase,
    use.interrupt as unknown as InterruptUseCase,
    use.stop as unknown as StopSessionUseCase,
    use.token as unknown as IssueSessionTokenUseCase,
  );
  return { controller, use };
}

function fakeReply() {
  const raw = Object.assign(new EventEmitter(), { writableFinished: false });
  return { reply: { raw } as unknown as FastifyReply, raw };
}

describe('DemoSessionController', () => {
  it("serves /demo/api/sessions/:session_id/{speak,chat,interrupt,stop,token} as POSTs answering 200, every one behind the session's token", () => {
    expect(Reflect.getMetadata(PATH_METADATA, DemoSessionController)).toBe('demo/api/sessions/:session_id');
    expect(Reflect.getMetadata(GUARDS_METADATA, DemoSessionController)).toEqual([DemoSessionGuard]);
    for (const handler of ['speak', 'chat', 'interrupt', 'stop', 'token'] as const) {
      const fn = DemoSessionController.prototype[handler];
      expect({ handler, path: Reflect.getMetadata(PATH_METADATA, fn), method: Reflect.getMetadata(METHOD_METADATA, fn), status: Reflect.getMetadata(HTTP_CODE_METADATA, fn) }).toEqual({
        handler,
        path: handler,
        method: RequestMethod.POST,
        status: 200,
      });
    }
  });

  it("runs the /v1 use cases with the demo tenant's scope", async () => {
    const { controller, use } = setup();
    await expect(controller.speak(params, { text: 'Hello' })).resolves.toMatchObject({ task_id: 't1' });
    expect(use.speak.execute).toHaveBeenCalledWith(TENANT, { session_id: SESSION, text: 'Hello' });
    await expect(controller.interrupt(params)).resolves.toEqual({ status: 'interrupted', interrupted_task_ids: ['t1'] });
    expect(use.interrupt.execute).toHaveBeenCalledWith(TENANT, SESSION);
    await expect(controller.stop(params)).resolves.toEqual({ status: 'stopped', duration: 4.2, billed_seconds: 5 });
    expect(use.stop.execute).toHaveBeenCalledWith(TENANT, SESSION);
    await expect(controller.token(params)).resolves.toEqual({ access_token: 'fresh', expires_in: 3600 });
    expect(use.token.execute).toHaveBeenCalledWith(TENANT, SESSION);
  });

  it('chats as chat.completions without streaming (one user message) and answers the reply and its tasks', async () => {
    const { controller, use } = setup();
    const { reply } = fakeReply();
    await expect(controller.chat(params, { text: 'Hi!' }, reply)).resolves.toEqual({ reply: 'Hi there.', finish_reason: 'stop', task_ids: ['t2'] });
    const [tenant, request, , signal] = use.chat.execute.mock.calls[0];
    expect(tenant).toBe(TENANT);
    expect(request).toEqual({ session_id: SESSION, messages: [{ role: 'user', content: 'Hi!' }], stream: false });
    expect((signal as AbortSignal).aborted).toBe(false);
  });

  it('ends the reply when the page goes away before the answer', async () => {
    const { controller, use } = setup();
    const { reply, raw } = fakeReply();
    await controller.chat(params, { text: 'Hi!' }, reply);
    const signal = use.chat.execute.mock.calls[0][3] as AbortSignal;
    raw.emit('close');
    expect(signal.aborted).toBe(true);
  });
});
