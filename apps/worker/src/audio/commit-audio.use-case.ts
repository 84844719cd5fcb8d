import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AUDIO_BUFFER_SAMPLE_RATE, audioBufferSeconds, CommitAudioReply, effectiveTenantSettings, WS_ERROR_CODES } from '@avatar/contracts';
import { AudioBufferStore, SessionScope } from '@avatar/messaging';
import { SessionsRepository, TenantsRepository } from '@avatar/persistence';
import { ProviderRegistry } from '@avatar/providers';
import { SpeechQueueUnavailableError, SpeechTaskQueue } from '@avatar/speech';
import { CommandRefusal } from '../common/command-refusal';

/**
 * audio_buffer_commit: the session's buffered client audio becomes a speech task, in
 * line with its text tasks. The buffer is taken aside first and given back if the task
 * is refused (session not active, too many queued, queue down), so a failed commit
 * loses no audio and two commits never take the same audio.
 */
@Injectable()
export class CommitAudioUseCase {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly tenants: TenantsRepository,
    private readonly registry: ProviderRegistry,
    private readonly buffers: AudioBufferStore,
    private readonly speech: SpeechTaskQueue,
  ) {}

  async execute(scope: SessionScope): Promise<CommitAudioReply> {
    const session = await this.sessions.find(scope.tenantId, scope.sessionId);
    if (!session) throw new CommandRefusal(WS_ERROR_CODES.INVALID_MESSAGE, `session ${scope.sessionId} not found`);
    if (session.status !== 'active') throw new CommandRefusal(WS_ERROR_CODES.SESSION_NOT_ACTIVE, `session ${scope.sessionId} is ${session.status}: start it before speaking`);
    if (!this.registry.has(session.provider) || !this.registry.get(session.provider).acceptsAudio) {
      throw new CommandRefusal(WS_ERROR_CODES.AUDIO_NOT_SUPPORTED, `the session's provider ${session.provider} speaks text only: audio needs local, liveavatar or spatialwalk`);
    }
    const taken = await this.buffers.take(scope);
    if (!taken) throw new CommandRefusal(WS_ERROR_CODES.AUDIO_BUFFER_EMPTY, 'nothing to commit: the audio buffer is empty');
    const duration = audioBufferSeconds(taken.pcm.length);
    try {
      const tenant = await this.tenants.find(scope.tenantId);
      const { quotas } = effectiveTenantSettings(tenant ?? { limits: {}, quotas: {}, billing: {}, providers: {} });
      const task = { id: randomUUID(), text: '', durationEstimateMs: Math.round(duration * 1000), audio: { pcm: taken.pcm, sampleRate: AUDIO_BUFFER_SAMPLE_RATE } };
      const result = await this.speech.add(scope.tenantId, scope.sessionId, task, { maxPending: quotas.max_queued_tasks_per_session });
      switch (result.outcome) {
        case 'queued':
          await taken.done();
          return { task_id: result.task.id, duration };
        case 'quota_exceeded':
          throw new CommandRefusal(WS_ERROR_CODES.QUOTA_EXCEEDED, `tenant quota max_queued_tasks_per_session reached (${result.current} of ${result.limit}): the audio stays buffered`);
        case 'session_not_active':
          throw new CommandRefusal(WS_ERROR_CODES.SESSION_NOT_ACTIVE, `session ${scope.sessionId} is ${result.status}`);
        default:
          throw new CommandRefusal(WS_ERROR_CODES.INVALID_MESSAGE, `session ${scope.sessionId} not found`);
      }
    } catch (err) {
      await taken.restore();
      if (err instanceof SpeechQueueUnavailableError) throw new CommandRefusal(WS_ERROR_CODES.COMMAND_FAILED, 'the speech queue is unavailable: the audio stays buffered, commit again');
      throw err;
    }
  }
}
