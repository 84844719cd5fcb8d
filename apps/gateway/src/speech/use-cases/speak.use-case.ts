import type { TenantScope } from '@avatar/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { PlatformError, SpeakRequest, SpeakResponse } from '@avatar/contracts';
import { estimateSpeechSeconds } from '@avatar/providers';
import { SpeechQueueUnavailableError, SpeechTaskQueue } from '@avatar/speech';
import { GATEWAY_CONFIG, GatewayConfig } from '../../gateway-config';
import { TenantSettingsCache } from '../../tenancy/tenant-settings.cache';
import { enqueueRefusal } from '../enqueue-refusal';

/**
 * avatar.speak: the task takes the next place in its session's order, unless the
 * session already has max_queued_tasks_per_session tasks waiting (checked in the same
 * statement), then its job is queued and the request answers at once. If queueing
 * fails the task is removed again: the client gets a 503 and nothing is left half-done.
 */
@Injectable()
export class SpeakUseCase {
  constructor(
    private readonly speech: SpeechTaskQueue,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly settings: TenantSettingsCache,
  ) {}

  async execute(tenantId: TenantScope, request: SpeakRequest): Promise<SpeakResponse> {
    const estimate = estimateSpeechSeconds(request.text, { wordsPerMinute: this.config.SPEECH_WORDS_PER_MINUTE, speed: request.voice_settings?.speed });
    if (estimate === 0) {
      throw new PlatformError('VALIDATION_ERROR', 'text has no words to speak', { fields: [{ field: 'text', message: 'has no words to speak' }] });
    }
    const { max_queued_tasks_per_session: maxPending } = (await this.settings.settingsOf(tenantId)).quotas;
    const task = {
      id: randomUUID(),
      text: request.text,
      voiceId: request.voice_id,
      voiceSettings: request.voice_settings,
      durationEstimateMs: Math.round(estimate * 1000),
    };
    let result;
    try {
      result = await this.speech.add(tenantId, request.session_id, task, { maxPending });
    } catch (err) {
      if (err instanceof SpeechQueueUnavailableError) {
        throw new PlatformError('SERVICE_UNAVAILABLE', 'the speech queue is unavailable, try again', { session_id: request.session_id });
      }
      throw err;
    }
    if (result.outcome === 'interrupted') throw new Error('unreachable: avatar.speak sets no interrupt condition');
    if (result.outcome !== 'queued') throw enqueueRefusal(result, request.session_id);
    return { task_id: result.task.id, status: 'processing', duration_estimate: estimate };
  }
}
