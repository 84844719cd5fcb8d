import { Inject, Injectable, Logger } from '@nestjs/common';
import { FrameEvent, SpeakJobData, VoiceSettings } from '@avatar/contracts';
import { ClaimedTask, EndedTask, SpeechTasksRepository } from '@avatar/persistence';
import { EventPublisher, SessionScope } from '@avatar/messaging';
import { ATTR, inSpan, Metrics, scopeAttributes } from '@avatar/observability';
import { ProviderError, ProviderMediaEvent } from '@avatar/providers';
import { ProviderConnections } from '../../providers/provider-connections';
import { ProviderSessions } from '../../providers/provider-sessions';
import { InterruptSessionUseCase } from '../../sessions/use-cases/interrupt-session.use-case';
import { WORKER_CONFIG, WorkerConfig } from '../../worker-config';
import { ActiveSpeech } from '../active-speech';
import { SpeechOrder } from '../speech-order';
import { endingOf, TaskEnding, TaskEndings } from '@avatar/speech';
import { RecordedAudio } from '../../audio/recorded-audio';

export type RunOutcome = 'spoken' | 'interrupted' | 'failed' | 'skipped' | 'wait' | 'handover';

export interface Attempt {
  /** This is the last try BullMQ will make: a transient failure now fails the task. */
  last: boolean;
  /** When the speak was queued (its job created by the gateway, ms since the epoch): the start of the speak → first event latency. */
  queuedAt?: number;
}

/** Thrown for a transient failure: BullMQ tries the job again after a backoff. */
export class RetryableSpeechError extends Error {}

/**
 * Speaks one task when it is its turn. One statement claims it (turn, session,
 * interrupt and frame ids checked and reserved together); then `task.started`, the
 * provider's frames (core NATS, no ack), and exactly one terminal event. Every state
 * change is conditional, so an interrupt that lands at any moment wins cleanly; the
 * task stays `speaking` until its speaker has really stopped, so the next one never
 * overlaps it.
 */
@Injectable()
export class RunSpeechTaskUseCase {
  private readonly logger = new Logger(RunSpeechTaskUseCase.name);

  constructor(
    private readonly tasks: SpeechTasksRepository,
    private readonly events: EventPublisher,
    private readonly endings: TaskEndings,
    private readonly connections: ProviderConnections,
    private readonly providerSessions: ProviderSessions,
    private readonly active: ActiveSpeech,
    private readonly order: SpeechOrder,
    private readonly interruptSession: InterruptSessionUseCase,
    private readonly recorded: RecordedAudio,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    private readonly metrics: Metrics,
  ) {}

  async execute(job: SpeakJobData, attempt: Attempt): Promise<RunOutcome> {
    const scope = { tenantId: job.tenantId, sessionId: job.sessionId };
    const claimed = await this.tasks.claim(job.tenantId, job.taskId, this.frameReserve(job));
    if (!claimed) return this.refused(job, scope);

    const signal = this.active.begin(job.sessionId, job.taskId);
    try {
      await this.events.publishAll(scope, [
        { type: 'task.started', task_id: job.taskId, duration_estimate: claimed.durationEstimateMs / 1000, attempt: claimed.attempt },
        { type: 'status', status: 'speaking', message: 'Avatar is speaking' },
      ]);
      const firstEvent = this.firstEventLatency(claimed, attempt);
      firstEvent('task_started');
      const outcome = await this.speak(scope, claimed, signal, () => firstEvent('first_media'));
      if (this.active.reason(job.sessionId, job.taskId) === 'handover') {
        if (await this.tasks.release(job.tenantId, job.taskId, null)) return 'handover';
      }
      const finished = outcome.interrupted ? null : await this.tasks.finish(job.tenantId, job.taskId);
      if (!finished) return await this.endInterrupted(job, scope, outcome.spokenSeconds);
      await this.announce(job, scope, { type: 'task.completed', duration: outcome.spokenSeconds }, finished);
      return 'spoken';
    } catch (err) {
      return await this.endFailed(job, scope, err, attempt);
    } finally {
      this.active.end(job.sessionId, job.taskId);
    }
  }

  /**
   * The provider's part, in a `provider.speak` span (vendor HTTP calls are undici spans
   * inside it; frames and audio chunks are not traced: 25 a second per session).
   */
  private speak(scope: SessionScope, task: ClaimedTask, signal: AbortSignal, onMedia: () => void) {
    const attributes = { ...scopeAttributes(scope), [ATTR.TASK_ID]: task.id, [ATTR.PROVIDER]: task.provider, [ATTR.TASK_KIND]: task.kind };
    return inSpan('provider.speak', { attributes }, async (span) => {
      const outcome = await this.speakWithProvider(scope, task, signal, onMedia);
      span.setAttribute(ATTR.OUTCOME, outcome.interrupted ? 'interrupted' : 'spoken');
      return outcome;
    });
  }

  private async speakWithProvider(scope: SessionScope, task: ClaimedTask, signal: AbortSignal, onMedia: () => void) {
    const connection = await this.connections.connectionFor(task.provider, { sessionId: task.sessionId, providerSessionId: task.providerSessionId ?? '' }, () =>
      this.providerSessions.ref(scope, task.provider, { ...task, voiceId: task.sessionVoiceId }),
    );
    // Frame ids continue the session's count: this attempt's block was reserved by the claim.
    let frames = 0;
    const emit = async (event: ProviderMediaEvent) => {
      if (signal.aborted) return; // silence after interrupt: nothing more leaves this speaker
      const out = event.type === 'frame' ? ({ ...event, frame_id: task.frameBase + ++frames } as FrameEvent) : event;
      this.events.publishMedia(scope, out);
      onMedia();
    };
    // A client's committed audio is spoken as given (no speech engine).
    const audio = task.kind === 'audio' ? await this.recorded.of(scope.tenantId, task.id) : undefined;
    return connection.speak(
      { taskId: task.id, text: task.text, voiceId: task.voiceId ?? task.sessionVoiceId ?? undefined, voiceSettings: (task.voiceSettings ?? undefined) as VoiceSettings | undefined, audio },
      emit,
      signal,
    );
  }

  /** The claim was refused: find out why and act on it. */
  private async refused(job: SpeakJobData, scope: SessionScope): Promise<RunOutcome> {
    const why = await this.tasks.whyNot(job.tenantId, job.taskId);
    switch (why.reason) {
      case 'gone':
        return 'skipped';
      case 'wait':
        return 'wait';
      case 'ended':
        // Ended by a process that died before announcing it: announce it now.
        if (!why.announced) await this.announce(job, scope, endingOf(why.status, why.error, why.spokenSeconds));
        return 'skipped';
      case 'interrupt_requested':
        // Interrupted while a worker that has since died was speaking it.
        return this.endInterrupted(job, scope, 0);
      case 'session_stopped':
        // Stopped while this task waited (and no worker was there to drop it then).
        await this.interruptSession.execute(scope, { reason: 'session_stopped' });
        // A task left speaking by a dead worker was only marked by that interrupt, and
        // this worker holds its job: end it here (a queued one was ended and announced).
        const ended = await this.tasks.endInterrupted(job.tenantId, job.taskId);
        if (ended) await this.announce(job, scope, { type: 'task.interrupted' }, ended);
        return 'interrupted';
    }
  }

  private async endInterrupted(job: SpeakJobData, scope: SessionScope, spokenSeconds: number): Promise<RunOutcome> {
    // Whoever ends the task announces it: if it had already ended elsewhere (a worker
    // that lost its job lock), its ending was announced there.
    const ended = await this.tasks.endInterrupted(job.tenantId, job.taskId);
    if (ended) {
      this.logger.log(`task ${job.taskId} interrupted after ${spokenSeconds.toFixed(2)} s`);
      await this.announce(job, scope, { type: 'task.interrupted' }, ended);
    }
    return 'interrupted';
  }

  private async endFailed(job: SpeakJobData, scope: SessionScope, err: unknown, attempt: Attempt): Promise<RunOutcome> {
    const message = err instanceof Error ? err.message : String(err);
    // A provider says whether its failure is worth retrying; anything else (a database
    // or NATS blip) is infrastructure, and transient until the attempts run out.
    const retryable = err instanceof ProviderError ? err.retryable : true;
    if (err instanceof ProviderError) this.metrics.counter('providerErrors').inc({ provider: err.provider, operation: 'speak', code: err.code });
    if (retryable && !attempt.last) {
      // Back to the queue: its successors keep waiting for it.
      if (await this.tasks.release(job.tenantId, job.taskId, message)) {
        await this.events.publish(scope, { type: 'status', status: 'idle', message: `Speech failed, retrying: ${message}` });
      }
      throw new RetryableSpeechError(message);
    }
    this.logger.warn(`task ${job.taskId} failed: ${message}`);
    const failed = await this.tasks.fail(job.tenantId, job.taskId, message);
    if (failed) {
      await this.announce(job, scope, { type: 'task.failed', error: message }, failed);
      return 'failed';
    }
    // An interrupt got there first.
    return this.endInterrupted(job, scope, 0);
  }

  /**
   * The terminal event (+ idle when nothing follows), then the successor's turn. The
   * statement that ended the task found its successor; a task that ended elsewhere
   * (announced late here) looks it up.
   */
  private async announce(job: SpeakJobData, scope: SessionScope, ending: TaskEnding, ended?: EndedTask): Promise<void> {
    const next = ended ? ended.nextTaskId : ((await this.tasks.nextQueued(job.tenantId, job.sessionId, job.seq))?.id ?? null);
    await this.endings.announce(scope, [{ taskId: job.taskId, ending }], { idle: !next });
    if (next) await this.order.wake(next);
  }

  /**
   * Records `avatar_speak_first_event_seconds` for each kind of first event, once: from
   * the speak being queued to now. Only a task's first attempt counts (a retry or a
   * takeover would measure the same speak twice), and only with a known queue time.
   */
  private firstEventLatency(task: ClaimedTask, attempt: Attempt): (event: 'task_started' | 'first_media') => void {
    const seen = new Set<string>();
    const histogram = this.metrics.histogram('speakFirstEvent');
    return (event) => {
      if (seen.has(event) || task.attempt !== 1 || attempt.queuedAt === undefined) return;
      seen.add(event);
      histogram.observe({ provider: task.provider, event }, Math.max(0, Date.now() - attempt.queuedAt) / 1000);
    };
  }

  /**
   * Frame ids this attempt may use: twice the estimate plus ten seconds at the
   * configured frame rate (the local provider speaks exactly the estimate).
   */
  private frameReserve(job: SpeakJobData): number {
    return Math.ceil(((job.durationEstimateMs ?? 0) / 1000) * 2 * this.config.LOCAL_FRAMES_PER_SECOND) + 10 * this.config.LOCAL_FRAMES_PER_SECOND;
  }
}
