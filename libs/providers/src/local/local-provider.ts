import { randomUUID } from 'node:crypto';
import type { TtsEngine } from '@avatar/tts';
import {
  AvatarProvider,
  ProviderConnection,
  ProviderCatalog,
  ProviderMediaEvent,
  ProviderSessionRef,
  PcmSpeech,
  ProviderSessionSpec,
  RecordedSpeech,
  SpeechOutcome,
  SpeechRequest,
  StartedProviderSession,
} from '../avatar-provider';
import { fitTrack, framesOf, trackDuration, Viseme, visemeTrack } from './viseme-track';
import { FRAME_MIME_TYPE, mouthFrame } from './mouth-frames';
import { AudioChunk, audioChunks, voicedSpan } from './audio-chunks';
import { energyVisemes } from './energy-visemes';

export interface LocalProviderOptions {
  wordsPerMinute: number;
  framesPerSecond: number;
  /** Rate of the audio events: synthesized speech is made at it, recorded audio resampled to it (default 24000 Hz). */
  audioSampleRate?: number;
  /** Seconds of audio per audio event (default 1). */
  audioChunkSeconds?: number;
  /** Injected so tests can run the clock. */
  clock?: { now(): number; sleep(ms: number, signal: AbortSignal): Promise<void> };
}

export const LOCAL_PROVIDER = 'local';

/** The local provider draws one face; any avatar id gets it. */
const LOCAL_AVATARS = [{ id: 'avatar_1', name: 'Local face (drawn mouth shapes)' }];
/** Voices of the local speech engine (espeak-ng). */
const LOCAL_VOICES = [
  { id: 'en-us', name: 'English (US), espeak-ng', language: 'en-US' },
  { id: 'en', name: 'English (GB), espeak-ng', language: 'en-GB' },
];

const realClock = {
  now: () => Date.now(),
  sleep: (ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      if (signal.aborted || ms <= 0) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    }),
};

type Clock = NonNullable<LocalProviderOptions['clock']>;
type Emit = (event: ProviderMediaEvent) => Promise<void>;

/**
 * The built-in provider: no vendor, no account. With a speech engine in the session
 * spec it speaks real audio: it synthesizes the text, sends the audio in ~1 s pieces
 * and plays the viseme track as frames fitted to that audio, in real time. Without
 * one (load tests) it plays the track at the configured words per minute and sends
 * frames only. An audio task (recorded audio) is played as given, the mouth following
 * its loudness (energy-visemes.ts), engine or not. Either way a task takes as long as
 * its speech.
 */
export class LocalProvider implements AvatarProvider {
  readonly name = LOCAL_PROVIDER;
  readonly stateful = false;
  readonly credentialFields = [];
  /** Recorded audio is played as given, the mouth following its loudness. */
  readonly acceptsAudio = true;
  readonly keepAliveIntervalMs = 0;
  private readonly clock: Clock;

  constructor(private readonly options: LocalProviderOptions) {
    this.clock = options.clock ?? realClock;
  }

  async start(_spec: ProviderSessionSpec): Promise<StartedProviderSession> {
    // Media goes over the platform's WebSocket; there is no WebRTC answer to give.
    return { providerSessionId: `local-${randomUUID()}` };
  }

  async connect(ref: ProviderSessionRef): Promise<ProviderConnection> {
    return new LocalConnection(this.options, this.clock, ref.spec.speech, ref.spec.voiceId);
  }

  async stop(_ref: ProviderSessionRef, _reason: string): Promise<void> {}

  async catalog(): Promise<ProviderCatalog> {
    return { avatars: LOCAL_AVATARS, voices: LOCAL_VOICES };
  }
}

class LocalConnection implements ProviderConnection {
  private nextFrameId = 1;

  constructor(
    private readonly options: LocalProviderOptions,
    private readonly clock: Clock,
    private readonly speech: TtsEngine | undefined,
    private readonly sessionVoiceId: string | undefined,
  ) {}

  speak(request: SpeechRequest, emit: Emit, signal: AbortSignal): Promise<SpeechOutcome> {
    // Recorded audio needs no speech engine: it is spoken as given, with or without one.
    if (request.audio) return this.speakRecorded(request, request.audio, emit, signal);
    return this.speech ? this.speakSynthesized(this.speech, request, emit, signal) : this.speakSilently(request, emit, signal);
  }

  /** Frames only, timed by words per minute. */
  private async speakSilently(request: SpeechRequest, emit: Emit, signal: AbortSignal): Promise<SpeechOutcome> {
    const fps = this.options.framesPerSecond;
    const track = visemeTrack(request.text, { wordsPerMinute: this.options.wordsPerMinute, speed: request.voiceSettings?.speed });
    const frames = framesOf(track, fps);
    const startedAt = this.clock.now();
    for (let i = 0; i < frames.length; i++) {
      // Frames are due at fixed instants from the start, so a slow emit does not drift the speech.
      await this.clock.sleep(startedAt + (i * 1000) / fps - this.clock.now(), signal);
      if (signal.aborted) return { spokenSeconds: i / fps, interrupted: true };
      await emit(this.frame(request.taskId, frames[i]));
    }
    await this.clock.sleep(startedAt + trackDuration(track) * 1000 - this.clock.now(), signal);
    if (signal.aborted) return { spokenSeconds: frames.length / fps, interrupted: true };
    return { spokenSeconds: trackDuration(track), interrupted: false };
  }

  /**
   * The text synthesized, and the viseme track fitted to the audio's voiced part, so
   * the mouth moves while the voice sounds and the task lasts exactly the audio.
   */
  private async speakSynthesized(engine: TtsEngine, request: SpeechRequest, emit: Emit, signal: AbortSignal): Promise<SpeechOutcome> {
    let speech;
    try {
      speech = await engine.synthesize(
        { text: request.text, voiceId: request.voiceId ?? this.sessionVoiceId, voiceSettings: request.voiceSettings, sampleRate: this.sampleRate },
        signal,
      );
    } catch (err) {
      // Interrupted while the audio was being made: nothing was said.
      if (signal.aborted) return { spokenSeconds: 0, interrupted: true };
      throw err;
    }
    const track = fitTrack(
      visemeTrack(request.text, { wordsPerMinute: this.options.wordsPerMinute, speed: request.voiceSettings?.speed }),
      speech.durationS,
      voicedSpan(speech.pcm, speech.sampleRate),
    );
    return this.play(request.taskId, speech, framesOf(track, this.options.framesPerSecond), emit, signal);
  }

  /**
   * The client's own audio (an audio task), at the rate the audio events have: there
   * is no text, so the mouth follows the audio's loudness frame by frame.
   */
  private speakRecorded(request: SpeechRequest, audio: RecordedSpeech, emit: Emit, signal: AbortSignal): Promise<SpeechOutcome> {
    const speech = audio.at(this.sampleRate);
    const frames = energyVisemes(speech.pcm, speech.sampleRate, this.options.framesPerSecond);
    return this.play(request.taskId, speech, frames, emit, signal);
  }

  /**
   * Real audio and its frames, in real time: each ~1 s audio piece is sent just before
   * the first frame it covers; the speech lasts exactly the audio. An abort stops at
   * once and reports the part played.
   */
  private async play(taskId: string, speech: PcmSpeech, frames: Viseme[], emit: Emit, signal: AbortSignal): Promise<SpeechOutcome> {
    const fps = this.options.framesPerSecond;
    const duration = speech.durationS;
    const chunks = audioChunks(speech.pcm, speech.sampleRate, this.options.audioChunkSeconds ?? 1);
    const audioEvent = (chunk: AudioChunk): ProviderMediaEvent => ({
      type: 'audio',
      task_id: taskId,
      data: chunk.wav,
      duration: chunk.duration,
      sample_rate: speech.sampleRate,
    });
    let nextChunk = 0;
    const startedAt = this.clock.now();
    const played = () => Math.min(duration, Math.max(0, (this.clock.now() - startedAt) / 1000));
    for (let i = 0; i < frames.length; i++) {
      await this.clock.sleep(startedAt + (i * 1000) / fps - this.clock.now(), signal);
      if (signal.aborted) return { spokenSeconds: played(), interrupted: true };
      // The audio that starts by this frame's instant goes out before the frame.
      while (nextChunk < chunks.length && chunks[nextChunk].start <= i / fps + 1e-9) {
        await emit(audioEvent(chunks[nextChunk++]));
        if (signal.aborted) return { spokenSeconds: played(), interrupted: true };
      }
      await emit(this.frame(taskId, frames[i]));
    }
    // A piece that starts after the last frame's instant (a chunk length that is no multiple of the frame time).
    for (const chunk of chunks.slice(nextChunk)) {
      await this.clock.sleep(startedAt + chunk.start * 1000 - this.clock.now(), signal);
      if (signal.aborted) return { spokenSeconds: played(), interrupted: true };
      await emit(audioEvent(chunk));
    }
    await this.clock.sleep(startedAt + duration * 1000 - this.clock.now(), signal);
    if (signal.aborted) return { spokenSeconds: played(), interrupted: true };
    return { spokenSeconds: duration, interrupted: false };
  }

  private get sampleRate(): number {
    return this.options.audioSampleRate ?? 24_000;
  }

  private frame(taskId: string, viseme: Viseme): ProviderMediaEvent {
    return {
      type: 'frame',
      task_id: taskId,
      frame_id: this.nextFrameId++,
      timestamp: this.clock.now() / 1000,
      viseme,
      data: mouthFrame(viseme),
      mime_type: FRAME_MIME_TYPE,
    };
  }

  async keepAlive(): Promise<void> {}

  async close(): Promise<void> {}
}
