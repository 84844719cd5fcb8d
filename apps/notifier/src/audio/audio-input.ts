import { Inject, Injectable } from '@nestjs/common';
import {
  AUDIO_BUFFER_SAMPLE_RATE,
  audioBufferSeconds,
  AudioBufferClearedMessage,
  AudioBufferCommittedMessage,
  CommitAudioCommand,
  CommitAudioReply,
  COMMANDS,
  WS_ERROR_CODES,
} from '@avatar/contracts';
import { AudioBufferStore, CommandBus, CommandError } from '@avatar/messaging';
import { NOTIFIER_CONFIG, NotifierConfig } from '../notifier-config';
import type { SessionClient } from '../relay/session-client';
import { decodeClientAudio } from './client-audio';

export const AUDIO_BUFFER_STORE = Symbol('AUDIO_BUFFER_STORE');

/**
 * The audio messages of a socket: append (decode, bound, buffer), commit (a worker
 * makes the buffer a speech task) and clear. One socket's audio messages run one after
 * another, so a commit includes every chunk its socket appended before it.
 */
@Injectable()
export class AudioInput {
  private readonly queues = new WeakMap<SessionClient, Promise<void>>();
  private readonly maxBytes: number;

  constructor(
    @Inject(AUDIO_BUFFER_STORE) private readonly store: AudioBufferStore,
    private readonly commands: CommandBus,
    @Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig,
  ) {
    this.maxBytes = config.AUDIO_BUFFER_MAX_SECONDS * AUDIO_BUFFER_SAMPLE_RATE * 2;
  }

  append(client: SessionClient, audio: string, sampleRate: number): Promise<void> {
    // Decoded at once (in message order); only the buffer write waits its turn.
    const decoded = decodeClientAudio(Buffer.from(audio, 'base64'), sampleRate);
    if (!decoded.ok) {
      client.sendError(WS_ERROR_CODES.AUDIO_INVALID, `audio_buffer_append refused: ${decoded.message}`);
      return Promise.resolve();
    }
    return this.inTurn(client, async () => {
      const result = await this.store.append(client.scope, decoded.pcm, this.maxBytes);
      if (!result.ok) {
        client.sendError(
          WS_ERROR_CODES.AUDIO_BUFFER_FULL,
          `audio buffer full: ${audioBufferSeconds(result.bytes).toFixed(2)} s buffered, this chunk adds ${audioBufferSeconds(decoded.pcm.length).toFixed(2)} s, ` +
            `at most ${this.config.AUDIO_BUFFER_MAX_SECONDS} s: commit or clear it (the chunk was dropped, the buffer kept)`,
        );
      }
    });
  }

  commit(client: SessionClient): Promise<void> {
    return this.inTurn(client, async () => {
      try {
        const reply = await this.commands.request<CommitAudioCommand, CommitAudioReply>(client.scope, COMMANDS.COMMIT_AUDIO, {}, this.config.COMMAND_TIMEOUT_MS);
        client.sendLocal<AudioBufferCommittedMessage>({ type: 'audio_buffer.committed', task_id: reply.task_id, duration: reply.duration });
      } catch (err) {
        const code = err instanceof CommandError && Object.hasOwn(WS_ERROR_CODES, err.code) ? err.code : WS_ERROR_CODES.COMMAND_FAILED;
        client.sendError(code, `audio_buffer_commit failed: ${(err as Error).message}`);
      }
    });
  }

  clear(client: SessionClient): Promise<void> {
    return this.inTurn(client, async () => {
      const bytes = await this.store.clear(client.scope);
      client.sendLocal<AudioBufferClearedMessage>({ type: 'audio_buffer.cleared', duration: audioBufferSeconds(bytes) });
    });
  }

  private inTurn(client: SessionClient, step: () => Promise<void>): Promise<void> {
    const run = (this.queues.get(client) ?? Promise.resolve()).then(step).catch((err: Error) => {
      client.sendError(WS_ERROR_CODES.COMMAND_FAILED, `audio buffer unavailable: ${err.message}`);
    });
    this.queues.set(client, run);
    return run;
  }
}
