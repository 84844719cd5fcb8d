import type { TenantScope } from '@avatar/contracts';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { randomUUID } from 'node:crypto';
import { PlatformError, SPEAK_JOB, SPEECH_QUEUE, SPEAK_JOB_OPTIONS, SpeakRequest, SpeakResponse } from '@avatar/contracts';
import { SpeechTasksRepository } from '@avatar/persistence';
import { estimateSpeechSeconds } from '@avatar/providers';
import { outgoingTraceparent } from '@avatar/observability';
import { GATEWAY_CONFIG, GatewayConfig } from '../../gateway-config';
import type { SpeechQueue } from '../speech-queue.provider';
import { TenantSettingsCache } from '../../tenancy/tenant-settings.cache';
import { quotaExceeded } from '../../usage/quota-exceeded';

/**
 * avatar.speak: the task takes the next place in its session's order (database),
 * unless the session already has max_queued_tasks_per_session tasks waiting (checked
 * in the same statement), then its job is queued (Redis) and the request answers at once. If queueing fails
 * the task is removed again: the client gets a 503 and nothing is left half-done.
 */
@Injectable()
export class SpeakUseCase {
  private readonly logger = new Logger(SpeakUseCase.name);

  constructor(
    private readonly tasks: SpeechTasksRepository,
    @InjectQueue(SPEECH_QUEUE) private readonly queue: SpeechQueue,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly settings: TenantSettingsCache,
  ) {}

  async execute(tenantId: TenantScope, request: SpeakRequest): Promise<SpeakResponse> {
    const estimate = estimateSpeechSeconds(request.text, { wordsPerMinute: this.config.SPEECH_WORDS_PER_MINUTE, speed: request.voice_settings?.speed });
    if (estimate === 0) {
      throw new PlatformError('VALIDATION_ERROR', 'text has no words to speak', { fields: [{ field: 'text', message: 'has no words to speak' }] });
    }
    const traceparent = outgoingTraceparent();
    const durationEstimateMs = Math.round(estimate * 1000);
    const { max_queued_tasks_per_session: maxPending } = (await this.settings.settingsOf(tenantId)).quotas;
    const result = await this.tasks.enqueue(tenantId, request.session_id, {
      id: randomUUID(),
      text: request.text,
      voiceId: request.voice_id,
      voiceSettings: request.voice_settings,
      durationEstimateMs,
      traceparent,
    }, { maxPending });
    if (result.outcome === 'session_not_found') {
      throw PlatformError.sessionNotFound(request.session_id);
    }
    if (result.outcome === 'session_not_active') {
      throw PlatformError.sessionNotActive(request.session_id, result.status, ': start it before speaking');
    }
    if (result.outcome === 'quota_exceeded') {
      throw quotaExceeded('max_queued_tasks_per_session', result.limit, result.current, { session_id: request.session_id });
    }
    const { task } = result;
    try {
      await this.queue.add(
        SPEAK_JOB,
        { tenantId, sessionId: task.sessionId, taskId: task.id, seq: task.seq, durationEstimateMs, traceparent },
        { ...SPEAK_JOB_OPTIONS, jobId: task.id },
      );
    } catch (err) {
      this.logger.error(`could not queue task ${task.id}: ${(err as Error).message}`);
      await this.tasks.discard(tenantId, task.id).catch((discardErr: Error) => {
        // The task stays queued without a job: the workers' reconciler queues it within
        // seconds (the client was told 503 and may retry; at worst it is spoken once).
        this.logger.error(`could not discard task ${task.id}: ${discardErr.message}`);
      });
      throw new PlatformError('SERVICE_UNAVAILABLE', 'the speech queue is unavailable, try again', { session_id: request.session_id });
    }
    return { task_id: task.id, status: 'processing', duration_estimate: estimate };
  }
}
