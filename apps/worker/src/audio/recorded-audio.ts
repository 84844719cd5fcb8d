import { Injectable } from '@nestjs/common';
import type { TenantScope } from '@avatar/contracts';
import { SpeechTasksRepository, TaskAudio } from '@avatar/persistence';
import { PcmSpeech, RecordedSpeech } from '@avatar/providers';
import { resamplePcm } from '@avatar/tts';

/** An audio task's audio as adapters take it: as stored, or resampled to the rate a vendor needs. */
export function recordedSpeech(audio: TaskAudio): RecordedSpeech {
  const durationS = Math.floor(audio.pcm.length / 2) / audio.sampleRate;
  return {
    pcm: audio.pcm,
    sampleRate: audio.sampleRate,
    durationS,
    at(sampleRate: number): PcmSpeech {
      if (sampleRate === audio.sampleRate) return { pcm: audio.pcm, sampleRate, durationS };
      const pcm = resamplePcm(audio.pcm, audio.sampleRate, sampleRate);
      return { pcm, sampleRate, durationS: Math.floor(pcm.length / 2) / sampleRate };
    },
  };
}

/** Reads an audio task's audio (the worker speaking it, or the owner of a stateful vendor session). */
@Injectable()
export class RecordedAudio {
  constructor(private readonly tasks: SpeechTasksRepository) {}

  async of(tenantId: TenantScope, taskId: string): Promise<RecordedSpeech> {
    const audio = await this.tasks.audioOf(tenantId, taskId);
    if (!audio) throw new Error(`audio task ${taskId} has no audio stored`);
    return recordedSpeech(audio);
  }
}
