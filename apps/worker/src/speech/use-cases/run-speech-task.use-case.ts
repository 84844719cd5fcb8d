import { Injectable, Logger } from '@nestjs/common';
import { SessionEvent, SpeakJobData, TERMINAL_TASK_STATUSES, VoiceSettings } from '@avatar/contracts';
import { SessionsRepository, SpeechTasksRepository } from '@avatar/persistence';
import { EventPublisher } from '@avatar/messaging';
import { ProviderError } from '@avatar/providers';
import { ProviderConnections } from '../../providers/provider-connections';
import { ActiveSpeech } from '../active-speech';
import { SpeechOrder } from '../speech-order';
import { InterruptSessionUseCase } from '../../sessions/use-cases/interrupt-session.use-case';

export type RunOutcome = 'spoken' | 'interrupted' | 'failed' | 'skipped' | 'wait';

export interface Attempt {
  /** This is the last try BullMQ will make: a transient failure now fails the task. */
  last: boolean;
}

/** Thrown for a transient failure: BullMQ tries the job again after a backoff. */
export class RetryableSpeechError extends Error {}

/**
 * Speaks one task, if it is its turn: claims it, streams the provider's frames as
 * session events between `task.started` and `task.completed`, and records how it
 * ended. Every state change is a conditional update, so an interrupt that lands at
 * any moment wins cleanly.
 */
@Injectable()
export class RunSpeechTaskUseCase {
  private readonly logger = new Logger(RunSpeechTaskUseCase.name);

  constructor(
    private readonly tasks: SpeechTasksRepository,
    private readonly sessions: SessionsRepository,
    private readonly events: EventPublisher,
    private readonly connections: ProviderConnections,
    private readonly active: ActiveSpeech,
    private readonly order: SpeechOrder,
    private readonly interruptSession: InterruptSessionUseCase,
  ) {}

  async execute(job: SpeakJobData, attempt: Attempt): Promise<RunOutcome> {
    const { tenantId, sessionId, taskId } = job;
    const scope = { tenantId, sessionId };
    const task = await this.tasks.find(tenantId, taskId);
    if (!task || TERMINAL_TASK_STATUSES.includes(task.status)) return 'skipped';

    const session = await this.sessions.find(tenantId, sessionId);
    if (!session || session.status === 'stopped') {
      // Stopped while this task waited (and no worker was there to drop it then).
      await this.interruptSession.execute(scope, { reason: 'session_stopped' });
      return 'interrupted';
    }
    if (await this.order.mustWait(job)) return 'wait';
    if (!(await this.tasks.claim(tenantId, taskId))) return 'skipped';

    const signal = this.active.begin(sessionId, taskId);
    try {
      // An interrupt that committed between the claim and begin() found nothing to
      // abort here: look once more now that it would.
      const current = await this.tasks.find(tenantId, taskId);
      if (current?.status !== 'speaking') return await this.endInterrupted(job, 0);

      const estimate = task.durationEstimateMs / 1000;
      await this.events.publishAll(scope, [
        { type: 'task.started', task_id: taskId, duration_estimate: estimate },
        { type: 'status', status: 'speaking', message: 'Avatar is speaking' },
      ]);
      const connection = await this.connections.get(session.provider, {
        providerSessionId: session.providerSessionId ?? '',
        spec: { tenantId, sessionId, avatarId: session.avatarId, voiceId: session.voiceId ?? undefined, quality: session.quality },
      });
      const outcome = await connection.speak(
        { taskId, text: task.text, voiceId: task.voiceId ?? session.voiceId ?? undefined, voiceSettings: (task.voiceSettings ?? undefined) as VoiceSettings | undefined },
        (event) => this.events.publish(scope, event).then(() => undefined),
        signal,
      );
      if (outcome.interrupted || !(await this.tasks.finish(tenantId, taskId, 'completed'))) {
        return await this.endInterrupted(job, outcome.spokenSeconds);
      }
      await this.events.publishAll(scope, [{ type: 'task.completed', task_id: taskId, duration: outcome.spokenSeconds }, ...(await this.idleUnlessMore(job))]);
      return 'spoken';
    } catch (err) {
      return await this.endFailed(job, err, attempt);
    } finally {
      this.active.end(sessionId, taskId);
      await this.order.wakeSuccessor(job);
    }
  }

  private async endInterrupted(job: SpeakJobData, spokenSeconds: number): Promise<RunOutcome> {
    this.logger.log(`task ${job.taskId} interrupted after ${spokenSeconds.toFixed(2)} s`);
    await this.events.publishAll(job, [
      { type: 'task.interrupted', task_id: job.taskId },
      { type: 'status', status: 'idle', message: 'Avatar was interrupted' },
    ]);
    return 'interrupted';
  }

  private async endFailed(job: SpeakJobData, err: unknown, attempt: Attempt): Promise<RunOutcome> {
    const message = err instanceof Error ? err.message : String(err);
    // A provider says whether its failure is worth retrying; anything else (a database
    // or NATS blip) is infrastructure, and transient until the attempts run out.
    const retryable = err instanceof ProviderError ? err.retryable : true;
    if (retryable && !attempt.last) {
      // Back to the queue: its successors keep waiting for it.
      if (await this.tasks.release(job.tenantId, job.taskId, message)) {
        await this.events.publish(job, { type: 'status', status: 'idle', message: `Speech failed, retrying: ${message}` });
      }
      throw new RetryableSpeechError(message);
    }
    this.logger.warn(`task ${job.taskId} failed: ${message}`);
    if (await this.tasks.failQueued(job.tenantId, job.taskId, message)) {
      await this.events.publishAll(job, [{ type: 'task.failed', task_id: job.taskId, error: message }, ...(await this.idleUnlessMore(job))]);
    }
    return 'failed';
  }

  /** `status idle` only when nothing else of the session is waiting to be spoken. */
  private async idleUnlessMore(job: SpeakJobData): Promise<SessionEvent[]> {
    const next = await this.tasks.nextQueued(job.tenantId, job.sessionId, job.seq);
    return next ? [] : [{ type: 'status', status: 'idle', message: 'Avatar is idle' }];
  }
}
