import { Injectable } from '@nestjs/common';

/**
 * What this process is speaking right now, per session, with the switch that stops
 * it. An interrupt reaches every worker; the one that holds the task aborts it.
 */
@Injectable()
export class ActiveSpeech {
  private readonly speaking = new Map<string, { taskId: string; controller: AbortController }>();

  begin(sessionId: string, taskId: string): AbortSignal {
    const controller = new AbortController();
    this.speaking.set(sessionId, { taskId, controller });
    return controller.signal;
  }

  end(sessionId: string, taskId: string): void {
    if (this.speaking.get(sessionId)?.taskId === taskId) this.speaking.delete(sessionId);
  }

  /** Aborts the session's current task if it is one of `taskIds` (or any, when omitted). */
  abort(sessionId: string, taskIds?: string[]): boolean {
    const current = this.speaking.get(sessionId);
    if (!current || (taskIds && !taskIds.includes(current.taskId))) return false;
    current.controller.abort();
    return true;
  }
}
