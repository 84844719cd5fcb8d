import { Injectable } from '@nestjs/common';

/** Why a speaker was stopped: a client's interrupt, or this worker handing the task back. */
export type StopReason = 'interrupt' | 'handover';

interface Speaking {
  taskId: string;
  controller: AbortController;
  reason?: StopReason;
}

/**
 * What this process is speaking right now, per session, with the switch that stops
 * it. Halts reach every worker; the one that holds the task aborts it.
 */
@Injectable()
export class ActiveSpeech {
  private readonly speaking = new Map<string, Speaking>();

  begin(sessionId: string, taskId: string): AbortSignal {
    const controller = new AbortController();
    this.speaking.set(sessionId, { taskId, controller });
    return controller.signal;
  }

  end(sessionId: string, taskId: string): void {
    if (this.speaking.get(sessionId)?.taskId === taskId) this.speaking.delete(sessionId);
  }

  /** Aborts the session's current task if it is one of `taskIds` (or any, when omitted). */
  abort(sessionId: string, taskIds?: string[], reason: StopReason = 'interrupt'): boolean {
    const current = this.speaking.get(sessionId);
    if (!current || (taskIds && !taskIds.includes(current.taskId))) return false;
    // An interrupt wins over a handover, whichever came first: the task must end.
    if (current.reason !== 'interrupt') current.reason = reason;
    current.controller.abort();
    return true;
  }

  /** Aborts the tasks with these ids, wherever they are spoken here. */
  abortTasks(taskIds: string[], reason: StopReason): void {
    for (const [sessionId, current] of this.speaking) if (taskIds.includes(current.taskId)) this.abort(sessionId, undefined, reason);
  }

  /** Hands every task back (shutdown): they are spoken again by another worker. */
  abortAll(reason: StopReason): number {
    for (const sessionId of this.speaking.keys()) this.abort(sessionId, undefined, reason);
    return this.speaking.size;
  }

  /** Why the task was stopped, if it was. */
  reason(sessionId: string, taskId: string): StopReason | undefined {
    const current = this.speaking.get(sessionId);
    return current?.taskId === taskId ? current.reason : undefined;
  }

  taskIds(): string[] {
    return [...this.speaking.values()].map((s) => s.taskId);
  }

  get size(): number {
    return this.speaking.size;
  }
}
