import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { TenantScope } from '@avatar/contracts';
import type { EventPublisher } from '@avatar/messaging';
import { estimateSpeechSeconds } from '@avatar/providers';
import type { SpeechTaskQueue } from '@avatar/speech';

export interface ReplySpeechOptions {
  tenantId: TenantScope;
  sessionId: string;
  replyId: string;
  /** The session's interrupt count when the turn began: a later interrupt ends the reply. */
  interruptSeq: number;
  maxPending: number;
  wordsPerMinute: number;
}

/**
 * The sentences of one chat reply, spoken as they complete: each becomes a speech task
 * in the session's line (tagged with the reply), queued only while no interrupt has
 * come since the turn began. Past the tenant's queued-task quota the rest of the reply
 * is not spoken (the client is told once, on the socket).
 */
export class ReplySpeech {
  private readonly logger = new Logger(ReplySpeech.name);
  readonly taskIds: string[] = [];
  private muted = false;

  constructor(
    private readonly speech: SpeechTaskQueue,
    private readonly events: EventPublisher,
    private readonly options: ReplySpeechOptions,
  ) {}

  /** False when the session was interrupted (or stopped) since the turn began: the reply must end. */
  async say(sentence: string): Promise<boolean> {
    if (this.muted) return true;
    const { tenantId, sessionId, replyId, interruptSeq, maxPending, wordsPerMinute } = this.options;
    const estimate = estimateSpeechSeconds(sentence, { wordsPerMinute });
    if (estimate === 0) return true; // nothing to say ("…", an emoji)
    const task = { id: randomUUID(), text: sentence, durationEstimateMs: Math.round(estimate * 1000), chatMessageId: replyId };
    const result = await this.speech.add(tenantId, sessionId, task, { maxPending, interruptSeq });
    switch (result.outcome) {
      case 'queued':
        this.taskIds.push(result.task.id);
        return true;
      case 'quota_exceeded':
        this.muted = true;
        this.logger.warn(`session ${sessionId}: reply ${replyId} not spoken past its sentence ${this.taskIds.length} (queued-task quota)`);
        await this.events.publish({ tenantId, sessionId }, {
          type: 'error',
          code: 'QUOTA_EXCEEDED',
          message: `the reply is not spoken past its sentence ${this.taskIds.length}: the session has ${result.current} of ${result.limit} tasks queued (max_queued_tasks_per_session)`,
        });
        return true;
      default:
        // interrupted, or the session stopped (or vanished) while the reply streamed
        return false;
    }
  }
}
