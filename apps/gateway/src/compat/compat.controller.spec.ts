import { RequestMethod } from '@nestjs/common';
import { GUARDS_METADATA, HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { TenantScopes, V1_ROUTES } from '@avatar/contracts';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { REQUIRED_SCOPE } from '../auth/required-scope.decorator';
import { RATE_LIMIT_METADATA } from '../limits/tenant-rate-limits';
import type { StopSessionUseCase } from '../sessions/use-cases/stop-session.use-case';
import type { SpeakUseCase } from '../speech/use-cases/speak.use-case';
import { CompatController } from './compat.controller';
import type { CreateAndStartSessionUseCase } from './use-cases/create-and-start-session.use-case';

const TENANT = TenantScopes.ofRecord('tenant-1');
const SESSION = '11111111-1111-4111-8111-111111111111';

/** What Nest routes and guards for one handler. */
function route(handler: keyof CompatController) {
  const fn = CompatController.prototype[handler];
  return {
    path: Reflect.getMetadata(PATH_METADATA, fn),
    method: Reflect.getMetadata(METHOD_METADATA, fn),
    status: Reflect.getMetadata(HTTP_CODE_METADATA, fn),
    scope: Reflect.getMetadata(REQUIRED_SCOPE, fn),
    rateLimit: Reflect.getMetadata(RATE_LIMIT_METADATA, fn),
  };
}

describe('CompatController', () => {
  it("serves Avaturn's three calls under /api/v1, behind the tenant API key, answering 200 as Avaturn does", () => {
    expect(Reflect.getMetadata(PATH_METADATA, CompatController)).toBe('api/v1');
    expect(Reflect.getMetadata(GUARDS_METADATA, CompatController)).toEqual([ApiKeyGuard]);
    expect(route('create')).toMatchObject({ path: 'sessions', method: RequestMethod.POST, status: 200 });
    expect(route('task')).toMatchObject({ path: 'sessions/:session_id/tasks', method: RequestMethod.POST, status: 200 });
    expect(route('remove')).toMatchObject({ path: 'sessions/:session_id', method: RequestMethod.DELETE, status: 200 });
  });

  it('needs the scopes of the /v1 calls, and counts against the same rate limits (create: sessions, task: speak, delete: none)', () => {
    expect(route('create')).toMatchObject({ scope: V1_ROUTES.createSession.scope, rateLimit: 'sessions' });
    expect(route('task')).toMatchObject({ scope: V1_ROUTES.speak.scope, rateLimit: 'speak' });
    expect(route('remove')).toMatchObject({ scope: V1_ROUTES.stopSession.scope, rateLimit: undefined });
  });

  it("speaks a task as avatar.speak does and answers Avaturn's {task_id} only; deletes as streaming.stop does", async () => {
    const speak = { execute: jest.fn().mockResolvedValue({ task_id: 'task-1', status: 'processing', duration_estimate: 1.2 }) };
    const stop = { execute: jest.fn().mockResolvedValue({ status: 'stopped', duration: 3.5, billed_seconds: 4 }) };
    const controller = new CompatController({} as CreateAndStartSessionUseCase, speak as unknown as SpeakUseCase, stop as unknown as StopSessionUseCase);

    await expect(controller.task(TENANT, { session_id: SESSION }, { text: 'Hello, world!' })).resolves.toEqual({ task_id: 'task-1' });
    expect(speak.execute).toHaveBeenCalledWith(TENANT, { session_id: SESSION, text: 'Hello, world!' });

    await expect(controller.remove(TENANT, { session_id: SESSION })).resolves.toEqual({ status: 'stopped', duration: 3.5, billed_seconds: 4 });
    expect(stop.execute).toHaveBeenCalledWith(TENANT, SESSION);
  });
});
