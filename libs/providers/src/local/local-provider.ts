import { randomUUID } from 'node:crypto';
import type { TtsEngine } from '@avatar/tts';
import {
  AvatarProvider,
  ProviderConnection,
  ProviderCatalog,
  ProviderMediaEvent,
  ProviderSessionRef,
  ProviderSessionSpec,
  SpeechOutcome,
  SpeechRequest,
  StartedProviderSession,
} from '../avatar-provider';
import { fitTrack, framesOf, trackDuration, Viseme, visemeTrack } from './viseme-track';
import { FRAME_MIME_TYPE, mouthFrame } from './mouth-frames';
import { audioChunks, voicedSpan } from './audio-chunks';

export interface LocalProviderOptions {
  wordsPerMinute: number;
  framesPerSecond: number;
  /** Rate of the audio events when the session has a speech engine (default 24000 Hz). */
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
 * frames only. Either way a task takes as long as its speech.
 */
export class LocalProvider implements AvatarProvider {
  readonly name = LOCAL_PROVIDER;
  readonly stateful = false;
  readonly credentialFields = [];
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
    return this.speech ? this.speakAudio(this.speech, request, emit, signal) : this.speakSilently(request, emit, signal);
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
   * Real audio, and the frames timed by it: each audio piece is sent just before the
   * first frame it covers, and the track is fitted to the audio's voiced part so the
   * mouth moves while the voice sounds and the task lasts exactly the audio.
   */
  private async speakAudio(engine: TtsEngine, request: SpeechRequest, emit: Emit, signal: AbortSignal): Promise<SpeechOutcome> {
    const fps = this.options.framesPerSecond;
    const sampleRate = this.options.audioSampleRate ?? 24_000;
    let speech;
    try {
      speech = await engine.synthesize(
        { text: request.text, voiceId: request.voiceId ?? this.sessionVoiceId, voiceSettings: request.voiceSettings, sampleRate },
        signal,
      );
    } catch (err) {
      // Interrupted while the audio was being made: nothing was said.
      if (signal.aborted) return { spokenSeconds: 0, interrupted: true };
      throw err;
    }
    const duration = speech.durationS;
    const track = fitTrack(
      visemeTrack(request.text, { wordsPerMinute: this.options.wordsPerMinute, speed: request.voiceSettings?.speed }),
      duration,
      voicedSpan(speech.pcm, speech.sampleRate),
    );
    const frames = framesOf(track, fps);
    const chunks = audioChunks(speech.pcm, speech.sampleRate, this.options.audioChunkSeconds ?? 1);
    let nextChunk = 0;
    const startedAt = this.clock.now();
    const played = () => Math.min(duration, Math.max(0, (this.clock.now() - startedAt) / 1000));
    for (let i = 0; i < frames.length; i++) {
      await this.clock.sleep(startedAt + (i * 1000) / fps - this.clock.now(), signal);
      if (signal.aborted) return { spokenSeconds: played(), interrupted: true };
      // The audio that starts by this frame's instant goes out before the frame.
      while (nextChunk < chunks.length && chunks[nextChunk].start <= i / fps + 1e-9) {
        const chunk = chunks[nextChunk++];
        await emit({ type: 'audio', task_id: request.taskId, data: chunk.wav, duration: chunk.duration, sample_rate: speech.sampleRate });
        if (signal.aborted) return { spokenSeconds: played(), interrupted: true };
      }
      await emit(this.frame(request.taskId, frames[i]));
    }
    // A piece that starts after the last frame's instant (a chunk length that is no multiple of the frame time).
    for (const chunk of chunks.slice(nextChunk)) {
      await this.clock.sleep(startedAt + chunk.start * 1000 - this.clock.now(), signal);
      if (signal.aborted) return { spokenSeconds: played(), interrupted: true };
      await emit({ type: 'audio', task_id: request.taskId, data: chunk.wav, duration: chunk.duration, sample_rate: speech.sampleRate });
    }
    await this.clock.sleep(startedAt + duration * 1000 - this.clock.now(), signal);
    if (signal.aborted) return { spokenSeconds: played(), interrupted: true };
    return { spokenSeconds: duration, interrupted: false };
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
