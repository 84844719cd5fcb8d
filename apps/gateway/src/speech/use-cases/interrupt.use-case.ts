import type { TenantScope } from '@avatar/contracts';
import { Injectable } from '@nestjs/common';
import { InterruptResponse, PlatformError } from '@avatar/contracts';
import { SpeechTasksRepository } from '@avatar/persistence';
import { InterruptDispatcher } from '@avatar/speech';

/**
 * streaming.interrupt: one statement checks that the session is active and ends its
 * queued tasks (the speaking one is marked); the halt goes straight to the workers
 * and the queued endings are announced from here, with no worker round trip before
 * the answer. The answer lists every interrupted task.
 */
@Injectable()
export class InterruptUseCase {
  constructor(
    private readonly tasks: SpeechTasksRepository,
    private readonly dispatcher: InterruptDispatcher,
  ) {}

  async execute(tenantId: TenantScope, sessionId: string): Promise<InterruptResponse> {
    const { sessionStatus, interrupted } = await this.tasks.interruptActive(tenantId, sessionId);
    if (!sessionStatus) throw PlatformError.sessionNotFound(sessionId);
    if (sessionStatus !== 'active') throw PlatformError.sessionNotActive(sessionId, sessionStatus);
    await this.dispatcher.dispatch({ tenantId, sessionId }, interrupted);
    return { status: 'interrupted', interrupted_task_ids: interrupted.map((t) => t.id) };
  }
}
