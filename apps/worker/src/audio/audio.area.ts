import type { Redis } from 'ioredis';
import { AudioBufferStore, REDIS_CLIENT } from '@avatar/messaging';
import { SpeechTaskQueue } from '@avatar/speech';
import type { WorkerAreaFactory } from '../worker-area';
import { CommitAudioUseCase } from './commit-audio.use-case';
import { RecordedAudio } from './recorded-audio';

/** Client audio: commits of the sessions' audio buffers into speech tasks, and reading an audio task's audio to speak it. */
export const audioArea: WorkerAreaFactory = (config) => ({
  providers: [
    { provide: AudioBufferStore, useFactory: (redis: Redis) => new AudioBufferStore(redis, config.AUDIO_BUFFER_TTL_SECONDS), inject: [REDIS_CLIENT] },
    SpeechTaskQueue,
    RecordedAudio,
    CommitAudioUseCase,
  ],
});
